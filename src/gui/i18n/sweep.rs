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
        HalvingNotInTab => "successive halving (`halving: …`) runs from the command line: `bptt-lab sweep FILE`, or `--emit DIR` for Slurm; the Sweep tab runs grids only",
            "逐次减半（`halving: …`）需在命令行运行：`bptt-lab sweep FILE`，或用 `--emit DIR` 提交到 Slurm；参数扫描页只运行网格";
        RandomNotInTab => "random search (`random: …`, `uniform`, `log_uniform`, `choice`) runs from the command line: `bptt-lab sweep FILE`, or `--emit DIR` for Slurm; the Sweep tab runs grids of one or two settings only",
            "随机搜索（`random: …`、`uniform`、`log_uniform`、`choice`）需在命令行运行：`bptt-lab sweep FILE`，或用 `--emit DIR` 提交到 Slurm；参数扫描页只运行一两个设置项的网格";
        TooManyRuns => "{runs} runs is more than the tab runs ({max}); save the sweep as RON and run it with `bptt-lab sweep`",
            "{runs} 个运行超出了本页可运行的上限（{max}）；请将参数扫描另存为 RON，再用 `bptt-lab sweep` 运行";
    }
}
