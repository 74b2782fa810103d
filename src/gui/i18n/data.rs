//! Your own data: the csv task's controls, the file's preview, the held-out forecast, a file
//! dropped on the window.

messages! {
    /// Your own data: the csv task's controls, the file's preview, the held-out forecast, a file dropped on the window.
    Data {
        // The controls.
        File => "File", "文件";
        Bundled => "Mauna Loa CO2, weekly (bundled)", "莫纳罗亚 CO2 周均值（内置）";
        ChooseFile => "Choose a file…", "选择文件…";
        ChooseFileHint => "A CSV file (or TSV) with one row per time step; or drop a .csv or .txt file onto the window.",
            "每个时间步一行的 CSV（或 TSV）文件；也可以把 .csv 或 .txt 文件拖到窗口上。";
        UseBundled => "use the CO2 series", "改用 CO2 序列";
        Target => "Predict", "预测列";
        TargetHint => "The column to forecast. Default: the last column that holds numbers.",
            "要预测的列。默认：最后一个含数值的列。";
        LastNumeric => "last numeric column", "最后一个数值列";
        ColumnIndex => "column {index}", "第 {index} 列";
        Inputs => "Inputs", "输入列";
        InputsHint => "The columns the network reads at every step. None ticked: the predicted column alone (its own past).",
            "网络在每个时间步读入的列。一个都不勾选：只读入被预测的列本身（它自己的过去）。";
        Window => "Window T", "窗口长度 T";
        WindowHint => "Rows the network reads before each forecast: the length BPTT must reach back over. Longer than a cycle of the data (52 weeks for CO2) lets it see the cycle.",
            "每次预测前网络读入的行数，也就是 BPTT 需要回溯的长度。比数据的一个周期（CO2 为 52 周）更长，网络才能看到整个周期。";
        Horizon => "Horizon", "预测步长";
        HorizonHint => "How many rows after the window's last the forecast is for (1 = the next row).",
            "预测的是窗口最后一行之后第几行的值（1 表示下一行）。";
        Normalize => "Scaling", "归一化";
        NormalizeHint => "Fitted on the training rows only (no peeking at the held-out part); forecasts are mapped back to the file's units for RMSE and MAE.",
            "只在训练部分上拟合（不偷看留出集）；预测值会换算回文件的原始单位来计算 RMSE 和 MAE。";
        ZScore => "z-score", "z 分数";
        MinMax => "min–max", "最小–最大";
        HeldOut => "Held out", "留出比例";
        HeldOutHint => "The last part of the rows, kept for evaluation; no window crosses the split.",
            "最后这部分行留作评估；任何窗口都不会跨越划分点。";
        Missing => "Missing values", "缺失值";
        MissingHint => "Empty fields or NA/NaN markers. interpolate (default): fill inputs linearly, never a target; skip: drop windows that hold one; refuse: stop with the line and column.",
            "空字段或 NA/NaN 等标记。interpolate（默认）：对输入做线性插值，但从不填补预测目标；skip：丢弃含缺失值的窗口；refuse：报错并指出行号和列。";
        Delimiter => "Delimiter", "分隔符";
        Header => "Header row", "表头行";
        Auto => "auto", "自动";
        Yes => "yes", "有";
        No => "no", "无";

        // The preview.
        FirstLines => "First lines of the file", "文件的前几行";
        CannotPreview => "Cannot show the file: {e}", "无法显示该文件：{e}";
        DataSummary => "{rows} rows: {train} for training, {held} held out · {train_windows} training and {eval_windows} held-out windows",
            "共 {rows} 行：训练 {train} 行，留出 {held} 行 · 训练窗口 {train_windows} 个，留出窗口 {eval_windows} 个";
        MissingSummary => "{missing} missing values, {filled} input values filled", "{missing} 个缺失值，已填补 {filled} 个输入值";
        BaselinesSummary => "held-out baselines in the file's units: persistence RMSE {p_rmse} (MAE {p_mae}) · training mean RMSE {m_rmse} (MAE {m_mae})",
            "留出集上的基线（原始单位）：持续性预测 RMSE {p_rmse}（MAE {p_mae}）· 训练集均值 RMSE {m_rmse}（MAE {m_mae}）";
        SeriesPlotHint => "The predicted column; the dashed line is the split, the held-out part is on its right.",
            "被预测的列；虚线是划分点，其右侧为留出集。";
        Training => "training", "训练部分";
        HeldOutPart => "held out", "留出部分";
        Split => "split", "划分点";
        Row => "row", "行";

        // The forecast plot.
        ForecastCaption => "{run} at step {step}: RMSE {rmse}, MAE {mae} · persistence RMSE {p_rmse} · training mean RMSE {m_rmse}",
            "{run}（第 {step} 步）：RMSE {rmse}，MAE {mae} · 持续性预测 RMSE {p_rmse} · 训练集均值 RMSE {m_rmse}";
        ForecastSome => "(every {stride}th of {windows} held-out windows)", "（{windows} 个留出窗口中每隔 {stride} 个取一个）";
        ForecastNone => "Select a run on the csv task: its forecast of the held-out rows shows here.",
            "选中一个 csv 任务的运行：它对留出部分的预测会显示在这里。";
        ForecastWaiting => "Computing the forecast…", "正在计算预测…";
        ForecastStopped => "the forecast's computation stopped (a panic in its thread)", "预测的计算中断了（其线程发生 panic）";
        ForecastFailed => "No forecast: {e}", "无法预测：{e}";
        Actual => "data", "实际数据";
        Predicted => "model", "模型预测";
        Persistence => "persistence (next = last)", "持续性预测（下一个 = 最后一个）";
        PersistenceBaseline => "persistence {value}", "持续性预测 {value}";
        TrainingMean => "training mean {value}", "训练集均值 {value}";

        // A file dropped on the window or chosen in the dialog.
        UsingCsv => "Set up the csv task on {path}: the panel shows its first lines and the series.",
            "已在 {path} 上设置 csv 任务：左侧面板显示文件的前几行和序列。";
        UsingText => "Set up the text task on {path}.", "已在 {path} 上设置 text 任务。";
        NotData => "{path} is not a .csv, .tsv or .txt file, nor a folder of runs.", "{path} 既不是 .csv、.tsv 或 .txt 文件，也不是运行文件夹。";
        FilterData => "CSV, TSV or text", "CSV、TSV 或文本";
        TitleOpenData => "Open a data file (CSV for a series, text for the text task)", "打开数据文件（CSV 为时间序列，文本文件用于 text 任务）";
    }
}
