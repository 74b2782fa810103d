//! The Sweep tab: the editor, the preview, the live table and its plots.

messages! {
    /// The Sweep tab: the editor, the preview, the live table and its plots.
    Sweep {
        // The tab.
        Intro => "Sweep the setup on the left ({preset}) over one or two settings. Each point trains one run per seed; the runs join the runs list (hidden from the training plots until you open one) and fill in the result plot as they finish.",
            "以左侧的配置（{preset}）为基础，对其中一两个设置项做参数扫描。每个点为每个随机种子训练一个运行；这些运行会加入运行列表（在你打开之前不会出现在训练图中），并在完成后陆续填入结果图。";
        ValuesCount => "{n} values", "{n} 个取值";
        PreviewCounts => "{counts} × {seeds} seeds = {runs} runs of {steps} steps",
            "{counts} × {seeds} 个随机种子 = {runs} 个运行，每个训练 {steps} 步";
        PreviewError => "{error}", "这个参数扫描无法运行：{error}";
        RunSweep => "Run sweep", "运行参数扫描";
        RunSweepHint => "Start the sweep's runs, a few at a time (a sweep still going is stopped)",
            "开始参数扫描的运行，每次同时训练几个（仍在进行的参数扫描会被停止）";
        StopSweep => "Stop sweep", "停止参数扫描";
        StopSweepHint => "Start no more runs and stop those training; finished runs keep their results",
            "不再启动新的运行，并停止正在训练的运行；已完成的运行保留其结果";
        OpenSweep => "Open sweep file…", "打开参数扫描文件…";
        OpenSweepHint => "Load a sweep file (e.g. sweeps/*.ron): its base setup goes to the panel on the left, its settings here",
            "载入一个参数扫描文件（例如 sweeps/*.ron）：其基础配置填入左侧面板，扫描的设置项填入这里";
        SaveSweep => "Save sweep as RON…", "将参数扫描另存为 RON…";
        SaveSweepHint => "A sweep file with this setup as its base: `bptt-lab sweep FILE` runs the same runs headless, on all cores, or as a Slurm array (--emit)",
            "保存一个以当前配置为基础的参数扫描文件：`bptt-lab sweep FILE` 可在无界面模式下用全部 CPU 核心跑完同样的这些运行，也可以作为 Slurm 作业数组提交（--emit）";
        ExportResults => "Export results (CSV)…", "导出结果（CSV）…";
        ExportResultsHint => "One row per finished run, the columns of `bptt-lab sweep`'s results.csv",
            "每个已完成的运行一行，列与 `bptt-lab sweep` 输出的 results.csv 相同";
        NoSweep => "No sweep yet: set it up above and press Run sweep.",
            "还没有参数扫描：请在上方设置好，然后点击“运行参数扫描”。";

        // The editor.
        FirstSetting => "Setting (x axis)", "设置项（x 轴）";
        SecondSetting => "Second setting (lines)", "第二个设置项（各条线）";
        OtherSetting => "other…", "其他…";
        SettingComboHint => "The settings of the setup on the left that can be swept; any other can be typed as a RON path on the right",
            "左侧配置中可以扫描的设置项；其他设置项可以在右侧以 RON 路径输入";
        SettingPathHint => "The setting's RON path, as `--set` takes it: optimizer.lr, init.weight_hh.gain, bptt.k2, model.cell …",
            "该设置项的 RON 路径，写法与 `--set` 相同：optimizer.lr、init.weight_hh.gain、bptt.k2、model.cell …";
        Remove => "Remove", "移除";
        Linear => "linear", "线性";
        LinearHint => "n values evenly spaced from → to", "从起点到终点均匀分布的 n 个值";
        Log => "log", "对数";
        LogHint => "n values evenly spaced in log scale (from, to > 0)",
            "在对数刻度上均匀分布的 n 个值（起点和终点须 > 0）";
        List => "list", "列表";
        ListHint => "RON values, comma separated: 0.1, 0.5 or rnn(tanh), lstm, gru",
            "RON 值，以逗号分隔：0.1, 0.5 或 rnn(tanh), lstm, gru";
        From => "from", "从";
        To => "to", "到";
        AddSecond => "Add a second setting", "添加第二个设置项";
        AddSecondHint => "One line per value of the second setting (e.g. the cell type)",
            "第二个设置项的每个取值画一条线（例如单元类型）";
        SeedsPerPoint => "Seeds per point", "每点随机种子数";
        SeedsPerPointHint => "Runs per point, with seeds seed, seed+1, …: the band of the result plot spans them",
            "每个点的运行数，随机种子依次为 seed、seed+1、…：结果图中的色带覆盖这些运行";
        StepsPerRun => "Steps per run", "每个运行的训练步数";
        StepsPerRunHint => "0 = the setup's ({steps})", "0 = 使用配置中的训练步数（{steps}）";
        RunsAtATime => "Runs at a time", "同时运行数";
        RunsAtATimeHint => "How many of the sweep's runs train at once: about one per core is fastest",
            "参数扫描中同时训练的运行数：大约每个核心一个时最快";
        SolvedWhen => "Solved when", "达标条件";
        SolvedWhenHint => "Steps to solve: the first diagnostics step at which this held",
            "达标所需步数：首次满足此条件时的训练步（在诊断时检查）";
        HeldOutLoss => "held-out loss", "留出集损失";
        HeldOutMetric => "held-out metric", "留出集指标";
        ProfileRatio => "profile ratio g₀/g_T", "首末时间步梯度比 g₀/g_T";
        DivergedFlag => "diverged (1/0)", "是否发散（1/0）";

        // The settings the tab offers to sweep.
        Cell => "Cell", "单元类型";
        HiddenSize => "Hidden size H", "隐藏单元数 H";
        SeqLen => "Sequence length T", "序列长度 T";
        HhGain => "W_hh gain", "W_hh 增益";
        HhRadius => "W_hh spectral radius", "W_hh 谱半径";
        IhGain => "W_ih gain", "W_ih 增益";
        ForgetBias => "Forget-gate bias", "遗忘门偏置";
        ChronoTMax => "Chrono t_max", "chrono 初始化的 t_max";
        K1 => "Truncation k1", "反向传播间隔 k1（时间步）";
        ChunkK => "Chunk length k", "分块长度 k";
        K2 => "Truncation k2", "截断长度 k2";
        ClipThreshold => "Clipping threshold", "梯度裁剪阈值";
        ClipValue => "Clipping value", "按值裁剪的阈值";
        ClipKind => "Clipping kind", "梯度裁剪方式";
        LearningRate => "Learning rate", "学习率";
        Momentum => "Momentum", "动量";
        WeightDecay => "Weight decay", "权重衰减";
        BatchSize => "Batch size", "批量大小";

        // What the result plot shows.
        FinalEvalLoss => "final held-out loss", "最终留出集损失";
        FinalEvalMetric => "final held-out metric", "最终留出集指标";
        FinalTrainLoss => "final training loss", "最终训练损失";
        StepsToSolve => "steps to solve", "达标所需步数";

        // Random search and successive halving in the editor.
        SettingN => "Setting {n}", "设置项 {n}";
        AddSetting => "Add a setting", "添加设置项";
        AddSettingHint => "A random search draws every setting on its own (up to {max} settings)",
            "随机搜索对每个设置项各自独立抽取取值（最多 {max} 个设置项）";
        Uniform => "uniform", "均匀";
        UniformHint => "Random search: a real number drawn uniformly from [from, to)",
            "随机搜索：在 [从, 到) 中均匀抽取一个实数";
        LogUniform => "log-uniform", "对数均匀";
        LogUniformHint => "Random search: a real number drawn from [from, to), uniformly in log scale (from > 0): every decade as likely",
            "随机搜索：在 [从, 到) 中按对数刻度均匀抽取一个实数（起点须 > 0），每个数量级的可能性相同";
        Choice => "choice", "随机选取";
        ChoiceHint => "Random search: one of these RON values, comma separated, each as likely",
            "随机搜索：从这些以逗号分隔的 RON 值中等可能地选取一个";
        Search => "Search", "搜索方式";
        RandomSearch => "Random search", "随机搜索";
        RandomSearchHint => "Train this many points drawn at random instead of the grid (Bergstra & Bengio 2012): when few settings matter, n random points try n values of each",
            "不遍历网格，而是训练这么多个随机抽取的点（Bergstra & Bengio 2012）：当只有少数设置项起作用时，n 个随机点能为每个设置项各试 n 个取值";
        PointsLabel => "points", "个点";
        SampleSeed => "sample seed", "抽样随机种子";
        SampleSeedHint => "Seeds the draws of the points (the runs take the seeds per point)",
            "决定抽取哪些点（各运行的随机种子仍由“每点随机种子数”决定）";
        Halving => "Successive halving", "逐次减半";
        HalvingHint => "Train every point for a few steps, keep the best 1/η by held-out loss, carry them on to η times the steps, and so on; the steps per run are the last rung's",
            "先让每个点训练少量步数，按留出集损失保留最好的 1/η，让它们接着训练到 η 倍的步数，如此重复；每个运行的训练步数是最后一轮的步数";
        EtaHint => "Keep the best 1/η of the setups at each rung", "每一轮保留最好的 1/η 的配置";
        RungsLabel => "rungs", "轮";
        RandomPoints => "{points} points drawn at random (sample seed {seed})",
            "随机抽取的 {points} 个点（抽样随机种子 {seed}）";
        PreviewHalving => "successive halving, η = {eta}: {rungs}", "逐次减半，η = {eta}：{rungs}";
        RungPlan => "rung {rung}: {setups} setups to {steps} steps",
            "第 {rung} 轮：{setups} 个配置训练到第 {steps} 步";

        // A successive-halving sweep running.
        RungOf => "rung {rung} of {rungs}", "第 {rung} 轮（共 {rungs} 轮）";
        Stopping => "stopping: the runs training now finish first",
            "正在停止：正在训练的运行会先训练完";
        HalvingFailed => "The sweep stopped: {error}", "参数扫描已中止：{error}";
        SweepFolder => "Sweep folder: {dir}", "参数扫描文件夹：{dir}";
        OpenSweepRuns => "Open its runs", "打开其中的运行";
        OpenSweepRunsHint => "Add the sweep's runs (each at the last rung it trained in) to the runs list",
            "把这个参数扫描的运行（各自停在它训练到的最后一轮）加入运行列表";
        Survivors => "Survivors (through the last rung, best first)",
            "最终保留的配置（通过了最后一轮，最好的在前）";
        SurvivorLine => "{point}: held-out loss {loss}", "{point}：留出集损失 {loss}";
        RungTitle => "Rung {rung}: {setups} setups, {steps} steps each",
            "第 {rung} 轮：{setups} 个配置，每个训练到第 {steps} 步";
        RungWaiting => "waiting", "等待中";
        RungNotStarted => "Starts when the rung before it is done.", "上一轮完成后开始。";
        KeptDropped => "{kept} kept, {dropped} dropped", "保留 {kept} 个，淘汰 {dropped} 个";
        SetupColumn => "setup", "配置";
        StepsColumn => "steps", "步数";
        OutcomeColumn => "outcome", "结果";
        KeptToRung => "kept → rung {rung}", "保留 → 第 {rung} 轮";
        DroppedAtRung => "dropped at rung {rung}", "在第 {rung} 轮被淘汰";
        Survivor => "survivor", "最终保留";
        RungTraining => "training", "训练中";

        // Progress.
        ProgressDone => "Sweep S{number}: {done} / {total} runs done",
            "参数扫描 S{number}：已完成 {done} / {total} 个运行";
        ProgressTraining => "{training} training", "{training} 个正在训练";
        ProgressLost => "{lost} stopped or failed", "{lost} 个已停止或失败";
        Stopped => "stopped", "已停止";
        TimeLeft => "about {time} left", "约剩 {time}";

        // The result plot and the table.
        Plot => "Plot", "绘制";
        LogY => "log y", "对数 y 轴";
        PlotKey => "line: mean over seeds · band: min to max · dots: runs (click one to open it)",
            "线：各随机种子的均值 · 色带：最小值到最大值 · 点：各个运行（单击以打开）";
        PlotKeyRandom => "dots: runs, against the first setting (click one to open it)",
            "点：各个运行，横轴为第一个设置项（单击以打开）";
        ResultsAppear => "Results appear here as runs finish.", "运行完成后，结果会显示在这里。";
        ResultsPerPoint => "Results per point", "各点结果";
        DoneColumn => "done", "完成";
        SolvedColumn => "solved", "达标";
        SolvedColumnHint => "Runs in which the clause held at a diagnostics step",
            "在某次诊断时满足该条件的运行数";
        MedianSteps => "median steps", "达标步数中位数";
        DivergedColumn => "diverged", "发散";

        // Runs that ended without a result.
        Deleted => "deleted", "已删除";
        Interrupted => "interrupted", "已中断";

        // Errors the tab adds (inside the sweep library's own error frame).
        TabPath => "the Sweep tab", "参数扫描页";
        ListNotRon => "the values must be RON values separated by commas: {error}",
            "取值必须是以逗号分隔的 RON 值：{error}";
        SeedsNotConsecutive => "{seeds}: the Sweep tab takes consecutive seeds (seed, seed+1, …)",
            "{seeds}：参数扫描页只接受连续的随机种子（seed、seed+1、…）";
        TooManyRuns => "{runs} runs is more than the tab runs ({max}); save the sweep as RON and run it with `bptt-lab sweep`",
            "{runs} 个运行超出了本页可运行的上限（{max}）；请将参数扫描另存为 RON，再用 `bptt-lab sweep` 运行";
    }
}
