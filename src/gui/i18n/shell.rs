//! The top bar (menus, run controls, language switch), the status bar, the runs panel, the side panels and the file dialogs.

messages! {
    /// The top bar (menus, run controls, language switch), the status bar, the runs panel, the side panels and the file dialogs.
    Shell {
        Language => "Language of the window / 界面语言", "界面语言 / Language of the window";

        // The Presets menu.
        Presets => "Presets", "预设";
        OpenPresetFile => "Open preset file…", "打开预设文件…";
        SavePresetAs => "Save setup as preset…", "将当前配置保存为预设…";

        // The Settings menu.
        Settings => "Settings", "设置";
        SystemDialogs => "System file dialogs", "系统文件对话框";
        SystemDialogsHint => "The desktop's own file dialog (needs a file-chooser portal: GNOME, KDE, most \
            desktops). Off: the app's own dialog, with a path field, which works everywhere. When the \
            system's cannot open, the app's opens instead.",
            "使用桌面环境自带的文件对话框（需要桌面提供文件选择服务 xdg-desktop-portal，GNOME、KDE \
            及大多数桌面环境都有）。关闭时使用本程序自带的对话框：带路径输入框，在任何环境下都能用。\
            系统对话框打不开时，会自动改用本程序自带的对话框。";

        // The Export menu.
        Export => "Export", "导出";
        ExportMetrics => "Metrics of the selected run (CSV)…", "所选运行的指标（CSV）…";
        ExportWeights => "Weights of the selected run (NPZ)…", "所选运行的权重（NPZ）…";
        ExportWeightsHint => "PyTorch names: load into torch.nn.RNN/LSTM/GRU and a Linear readout",
            "参数沿用 PyTorch 的命名：可直接载入 torch.nn.RNN/LSTM/GRU 和一个 Linear 输出层";
        ExportRuns => "Shown runs as one long CSV…", "所显示的运行（合并为一个长格式 CSV）…";
        ExportScript => "As a {framework} training script…", "导出为 {framework} 训练脚本…";
        ExportScriptHint => "The selected run's setup (or the panel's) as train.py, with its initial weights in the framework's layout and the lab's first 100 batches: the script trains them and compares its loss with the lab's. What the framework cannot do the same way is refused, with the reason.", "所选运行的配置（未选运行时为面板上的配置）导出为 train.py，并附上按框架布局存放的初始权重和本实验室最初 100 个训练步的批量：脚本用它们训练，并把自己的损失与本实验室的比较。框架无法以同样方式完成的配置会被拒绝，并说明原因。";
        ExportRunsHint => "A row per run, step and quantity, with the runs' settings as columns: \
            pandas.read_csv reads it at once",
            "每个运行、每个训练步、每个量各占一行，各运行的设置项作为列：pandas.read_csv 可一次读入";
        PlotAsPng => "Plot as PNG:", "将图表导出为 PNG：";

        // The run controls.
        Start => "Start", "开始";
        StartHint => "Train the current run; makes a new run from the panel if there is none to continue",
            "训练当前运行；如果没有可继续的运行，就按面板的配置新建一个";
        Pause => "Pause", "暂停";
        PauseHint => "Pause training (Space)", "暂停训练（空格键）";
        Resume => "Resume", "继续";
        ResumeHint => "Resume training (Space)", "继续训练（空格键）";
        StepOne => "Step 1", "单步";
        StepOneHint => "Train one step, then pause", "训练一步，然后暂停";
        StepCountHint => "Number of steps for the Step N button", "“N 步”按钮一次训练的步数";
        StepN => "Step N", "N 步";
        StepNHint => "Train N steps, then pause", "训练 N 步，然后暂停";
        Stop => "Stop", "停止";
        StopHint => "End the current run; it keeps its curves", "结束当前运行；它的曲线会保留";
        Reset => "Reset", "重置";
        ResetHint => "Discard the current run and make it again: same setup, same seed, same initial weights",
            "丢弃当前运行并重新创建：相同的配置、相同的随机种子、相同的初始权重";
        Speed => "Speed", "速度";
        SpeedHint => "At most this many training steps per second, for the selected run and the runs started from now on (not a sweep's). In slow motion every step gets its gradient profile. A setting of this session, not of the setup: presets do not keep it.",
            "每秒最多训练这么多步；作用于所选运行以及此后开始的运行（参数扫描的运行除外）。慢速播放时，每个训练步都会记录梯度随时间步的分布。这是本次会话的设置，不属于实验配置：预设不会保存它。";
        FullSpeed => "full speed", "全速";
        StepsPerSec => "{rate} steps/s", "{rate} 步/秒";
        StopAt => "Stop at step", "暂停于训练步";
        StopAtHint => "Pause when the run has done this step (Resume goes on past it), for the selected run and the runs started from now on. A setting of this session, not of the setup.",
            "运行完成这一训练步时暂停（点击“继续”会越过它接着训练）；作用于所选运行以及此后开始的运行。这是本次会话的设置，不属于实验配置。";
        CappedAt => "{status} (at most {rate} steps/s)", "{status}（每秒最多 {rate} 步）";
        SameSetupAs => "The same setup as {run}.", "与 {run} 的配置相同。";
        DiffersFrom => "Differs from {run} (the selected run):\n{changes}", "与所选运行 {run} 的不同之处：\n{changes}";
        SelectedRunHint => "The selected run: hover another run's summary to see how it differs.",
            "这是所选运行：把鼠标停在其他运行的摘要上，可以看到它与所选运行的不同之处。";
        StartNew => "Start as new run", "开始新运行";
        StartNewHint => "Start the panel's setup as another run; the others keep running, for comparison",
            "按面板的配置另开一个运行；其他运行照常训练，便于比较";

        // The status bar.
        Status => "{name}: {status} · step {step} / {steps} · {rate} steps/s · {time}",
            "{name}：{status} · 训练步 {step} / {steps} · {rate} 步/秒 · {time}";
        NoRunYet => "No run yet: pick a preset or set up an experiment on the left, then Start.",
            "还没有运行：选一个预设，或在左侧配置一个实验，然后点击“开始”。";
        FrameTime => "frame {ms} ms", "绘制一帧 {ms} ms";

        // The runs panel.
        Runs => "Runs", "运行列表";
        OpenRuns => "Open runs…", "打开运行文件夹…";
        OpenRunsHint => "Add run folders from anywhere: a `bptt-lab train --out` folder, a sweep's output \
            (one group), a collected Slurm array. Dropping a folder on the window does the same.",
            "从任意位置添加运行文件夹：`bptt-lab train --out` 的输出文件夹、一次参数扫描的输出（作为一组）、\
            收集好的 Slurm 作业数组。把文件夹拖到窗口上也一样。";
        RecordedIn => "Recorded in {dir}", "记录于 {dir}";
        WorkspaceHint => "The workspace: every run started here writes its folder there while it trains; \
            the window lists them at start. --workspace DIR or BPTT_LAB_WORKSPACE choose another.",
            "工作区：在本窗口中开始的每个运行，训练时都会把运行文件夹写入该工作区；窗口启动时会列出这些运行。\
            用 --workspace DIR 或 BPTT_LAB_WORKSPACE 可以换一个工作区。";
        Change => "Change", "改动";
        ChangeHint => "One setting as key=value, by its RON path, e.g. optimizer.lr=0.01 or model.cell=gru",
            "一个设置项，写成 key=value，键为它的 RON 路径，例如 optimizer.lr=0.01 或 model.cell=gru";
        CommonChanges => "Common changes", "常用改动";
        Duplicate => "Duplicate with change", "复制并改动";
        DuplicateHint => "Start a copy of the selected run (same seed) with this one setting changed: an A/B comparison",
            "开始所选运行的一个副本（随机种子相同），只改动这一个设置项：做一次 A/B 对比";
        SelectRunFirst => "Select a run first", "请先选择一个运行";
        RunsAppearHere => "Runs you start appear here.", "开始的运行会显示在这里。";
        ShowInPlots => "Show in the plots", "在图表中显示";
        RunNameHint => "Run name (editable)", "运行名称（可编辑）";
        RunStatus => "{status} · step {step}", "{status} · 训练步 {step}";
        LastLoss => "loss {loss}  ·  {metric} {value}", "损失 {loss}  ·  {metric} {value}";
        LastLossNone => "loss —  ·  {metric} —", "损失 —  ·  {metric} —";
        HeldOutLoss => "held-out loss {loss}  ·  {metric} {value}", "留出集损失 {loss}  ·  {metric} {value}";
        HeldOutLossNone => "held-out loss — (at the end)", "留出集损失 —（训练结束时计算）";
        TagsPlaceholder => "tags", "标签";
        TagsHint => "Tags, comma separated (kept in the run's folder)", "标签，用逗号分隔（保存在运行的文件夹中）";
        Select => "Select", "选择";
        SelectHint => "Run controls, heatmap and exports act on the selected run",
            "运行控制、热力图和导出都作用于所选运行";
        Continue => "Continue", "继续训练";
        ContinueHint => "Carry the run on from its checkpoint to its steps, as if it had never stopped",
            "从检查点继续训练到设定的训练步数，就像从未停止过一样";
        TrainMoreHint => "Train {n} more steps (the N of Step N), from its checkpoint",
            "从检查点起再训练 {n} 步（即“N 步”中的 N）";
        Delete => "Delete", "删除";
        DeleteHint => "Stop and remove this run; its folder goes to the workspace's trash (Undo brings it back)",
            "停止并移除此运行；它的文件夹会移到工作区的回收站（“撤销删除”可以恢复）";

        // Sampling text from a run on the text task.
        SampleText => "Sample text", "生成文本";
        Temperature => "Temperature", "温度";
        TemperatureHint => "0 = always the most likely character; 1 = the model's distribution; higher = more random",
            "0 = 总是取最可能的字符；1 = 按模型的分布采样；更高 = 更随机";
        Length => "Length", "长度";
        LengthHint => "Characters to generate", "要生成的字符数";
        SeedTextPlaceholder => "seed text", "起始文本";
        SeedTextHint => "Text the model reads before it starts writing", "模型开始生成之前先读入的文本";
        Sample => "Sample", "采样";

        // The side panels, the message line and the tabs.
        UndoDelete => "Undo delete", "撤销删除";
        Dismiss => "Dismiss", "关闭";
        HideSetup => "◀ Hide setup", "◀ 隐藏配置";
        HideSetupHint => "Give the plots the width; the strip on the left brings the setup back",
            "把宽度让给图表；点击左侧的窄条可重新打开配置面板";
        ShowSetup => "Show the setup panel", "显示配置面板";
        HideRuns => "Hide runs ▶", "隐藏运行列表 ▶";
        HideRunsHint => "Give the plots the width; the strip on the right brings the runs back",
            "把宽度让给图表；点击右侧的窄条可重新打开运行列表";
        ShowRuns => "Show the runs panel", "显示运行列表";
        TrainingTab => "Training", "训练";
        TrainingTabHint => "The curves of the runs", "各个运行的曲线";
        SweepTab => "Sweep", "参数扫描";
        SweepTabHint => "Sweep one or two settings of the setup over values and seeds, and plot the result against them",
            "让配置中的一两个设置项遍历若干取值（每个取值跑多个随机种子），并画出结果随取值的变化";
        TabRunning => "{tab} (running)", "{tab}（运行中）";

        // The file dialogs.
        FilterRunFolder => "run folder", "运行文件夹";
        FilterPreset => "RON preset", "RON 预设";
        FilterSweep => "RON sweep", "RON 参数扫描";
        TitleOpenRuns => "Open runs (a run folder or a folder of runs)", "打开运行文件夹（一个运行的文件夹，或装有多个运行的文件夹）";
        TitleExportRuns => "Export the shown runs as CSV", "将所显示的运行导出为 CSV";
        TitleExportScript => "Choose a folder for the {framework} script", "为 {framework} 脚本选择一个文件夹";
        TitleOpenPreset => "Open a preset", "打开预设";
        TitleSavePreset => "Save the setup as a preset", "将当前配置保存为预设";
        TitleExportMetrics => "Export the selected run's metrics as CSV", "将所选运行的指标导出为 CSV";
        TitleExportWeights => "Export the selected run's weights as NPZ", "将所选运行的权重导出为 NPZ";
        TitleExportPlot => "Export \u{201c}{plot}\u{201d} as PNG", "将“{plot}”导出为 PNG";
        TitleOpenSweep => "Open a sweep", "打开参数扫描";
        TitleSaveSweep => "Save the sweep", "保存参数扫描";
        TitleExportSweepResults => "Export the sweep's results as CSV", "将参数扫描的结果导出为 CSV";
        SystemDialogFailed => "The system file dialog did not open (no desktop file-chooser portal \
            runs here?): the app's own dialog opened instead. Turn off \"System file dialogs\" in \
            Settings to go straight to it.",
            "系统文件对话框没有打开（这里也许没有运行桌面的文件选择服务？），已改用本程序自带的对话框。\
            在“设置”中关闭“系统文件对话框”，即可直接使用它。";
        // The buttons and labels of the app's own dialog (egui_file's).
        DialogOpen => "Open", "打开";
        DialogSave => "Save", "保存";
        DialogCancel => "Cancel", "取消";
        DialogNewFolder => "New Folder", "新建文件夹";
        DialogNewFolderName => "New folder", "新建文件夹";
        DialogRename => "Rename", "重命名";
        DialogRefresh => "Refresh", "刷新";
        DialogParentFolder => "Parent Folder", "上级文件夹";
        DialogFile => "File:", "文件：";
        DialogShowHidden => "Show Hidden", "显示隐藏文件";

        // The app's messages.
        WorkspaceCannotOpen => "Cannot open the workspace {dir}: {error}; runs are not recorded",
            "无法打开工作区 {dir}：{error}；运行将不会被记录";
        WorkspaceUnreadable => "{count} run folder(s) of the workspace could not be read: {errors}",
            "工作区中有 {count} 个运行文件夹无法读取：{errors}";
        CurvesUnreadable => "Cannot read the run's curves: {error}", "无法读取该运行的曲线：{error}";
        NoteThenMessage => "{note}. {message}", "{note}。{message}";
    }
}
