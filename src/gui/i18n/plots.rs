//! The plots: titles, axes, legends, captions, hover texts; the heatmap and plots saved as PNG.

messages! {
    /// The plots: titles, axes, legends, captions, hover texts; the heatmap and plots saved as PNG.
    Plots {
        // The row of switches above the plots.
        PlotsLabel => "Plots:", "图表：";
        ToggleLoss => "loss", "损失";
        ToggleGradNorm => "gradient norm", "梯度范数";
        ToggleProfile => "gradient profile", "各时间步梯度";
        ToggleHeatmap => "heatmap", "热力图";
        ToggleTensors => "per-tensor norms", "各张量的范数";
        ToggleSpectral => "spectral radius", "谱半径";
        ToggleSaturation => "saturation", "饱和";
        LogLoss => "log loss", "损失取对数坐标";
        Smoothing => "smoothing", "平滑";
        SmoothingHint => "Exponential moving average of the loss curves (0 = raw).",
            "对损失曲线做指数移动平均（0 表示不平滑，显示原始值）。";
        ResetView => "Reset view", "重置视图";
        ResetViewHint => "Undo zoom and pan: fit every plot to its data again",
            "撤销缩放和平移：让每个图表重新完整显示其数据";
        AllHidden => "All plots are hidden: switch some on above.",
            "所有图表都已隐藏：请在上方勾选要显示的图表。";
        StartHint => "Press Start to train the setup on the left; its curves appear here.",
            "点击“开始”，用左侧的配置进行训练，曲线会显示在这里。";

        // The titles (also the names of the plots in the Export menu).
        LossTitle => "Loss", "损失";
        GradNormTitle => "Gradient norm", "梯度范数";
        ProfileTitle => "Gradient profile", "梯度随时间步的分布";
        HeatmapTitle => "Gradient heatmap", "梯度热力图";
        TensorsTitle => "Per-tensor gradient norms", "各张量的梯度范数";
        SpectralTitle => "Spectral radius of W_hh", "W_hh 的谱半径";
        SaturationTitle => "Saturation", "饱和";
        ForecastTitle => "Held-out forecast", "留出集上的预测";
        ExampleTitle => "Example sequence", "样例序列";
        EigenTitle => "Eigenvalues of W_hh", "W_hh 的特征值";
        DecayTitle => "Decay per step: theory vs observed", "每步衰减：理论与观测";
        ToggleDecay => "decay: theory vs observed", "衰减：理论与观测";
        DecayCaption => "dashed: λ₁ (largest Lyapunov exponent) · solid: slope fitted to ln g_t on held-out sequences · dotted: steps in the past (share)",
            "虚线：λ₁（最大李雅普诺夫指数）· 实线：留出集序列上对 ln g_t 拟合的斜率 · 点线：仍有梯度的时间步占比";
        DecayPredicted => "{run} λ₁", "{run} 的 λ₁";
        DecayObserved => "{run} fitted slope", "{run} 拟合斜率";
        StepsInThePast => "{run} steps in the past", "{run} 仍有梯度的时间步占比";
        NoDecay => "no decay", "不衰减";
        MemoryTitle => "LSTM memory horizons", "LSTM 记忆跨度";
        ToggleMemory => "memory horizons", "记忆跨度";
        MemoryCaption => "{run} @ step {step}: −1/mean ln f per unit (steps a unit's cell state lasts)",
            "{run}（训练步 {step}）：每个单元的 −1/mean ln f（细胞状态能保持的步数）";
        MemoryNone => "Memory horizons are the LSTM's forget gates: select an analysed LSTM run.",
            "记忆跨度来自 LSTM 的遗忘门：请选择一个已分析的 LSTM 运行。";
        MemoryAxis => "memory horizon (steps, log scale)", "记忆跨度（步，对数坐标）";
        MemoryBars => "units", "单元数";
        SeqLenLine => "sequence length T = {t}", "序列长度 T = {t}";
        TermsTitle => "Terms of the BPTT sum", "BPTT 求和的各项";
        TermsHeatmapTitle => "Terms of the BPTT sum over training", "BPTT 求和各项随训练的变化";
        ToggleTerms => "BPTT terms", "BPTT 各项";
        TermsCaption => "{run} @ step {step}: ‖term_t‖ of ∂L/∂W_hh per gate block and of ∂L/∂W_ih, on held-out sequences",
            "{run}（训练步 {step}）：留出集序列上 ∂L/∂W_hh 各门块与 ∂L/∂W_ih 每个时间步那一项的范数";
        TermsReach => "the last {k} of {n} steps give {share} % of ∂L/∂W_hh", "最后 {k} 个时间步（共 {n} 个）给出 ∂L/∂W_hh 的 {share}%";
        TermsNoReach => "no run of last steps gives 90 % of ∂L/∂W_hh", "没有一段末尾时间步能给出 ∂L/∂W_hh 的 90%";
        TermsNone => "The terms appear once the selected run has taken diagnostics.", "所选运行做过诊断后，这里会显示各项。";
        ToggleEigen => "eigenvalues", "特征值";
        EigenCaption => "{run} @ step {step}: each gate block's eigenvalues, with the unit circle and Pascanu's 1/γ; faint: earlier analyses",
            "{run}（训练步 {step}）：各门块的特征值，以及单位圆和 Pascanu 的 1/γ；浅色：更早的分析";
        EigenNone => "The eigenvalues appear once the selected run has been analysed (Diagnostics: analysis on).",
            "所选运行完成一次分析后，这里会显示特征值（需开启诊断中的分析）。";
        EigenBlock => "{block}: ρ {rho} · σ_max {sigma}", "{block}：ρ {rho} · 最大奇异值 {sigma}";
        UnitCircle => "|λ| = 1", "|λ| = 1";
        ReferenceCircle => "1/γ = {r} (sigmoid gates)", "1/γ = {r}（sigmoid 门）";
        EigenTrail => "earlier", "更早";
        TheoryLine => "λ₁ predicts {slope}/step", "λ₁ 预测 {slope}/步";
        FittedLine => "fitted {slope}/step", "拟合 {slope}/步";
        HeldOutProfile => "held-out profile @ step {step}", "留出集上的梯度分布（训练步 {step}）";
        RealAxis => "Re λ", "Re λ";
        ToggleExample => "example sequence", "样例序列";
        ExampleCaption => "{run} at step {step}, on the first held-out sequence: above, what the network reads at each step; below, what it is asked and what it answers",
            "{run}（第 {step} 步），留出集的第一个序列：上图是网络在每个时间步读入的内容，下图是要求它给出的答案和它的回答";
        ExampleNone => "Select a run: one of its task's sequences shows here with the model's answer.",
            "选中一个运行：这里会显示其任务的一个序列以及模型的回答。";
        ExampleInputs => "input", "输入";
        ExampleSymbol => "symbol read", "读入的符号";
        ExampleTime => "time step t", "时间步 t";
        ExampleAnswer => "answer", "答案";
        ExampleTarget => "target", "目标";
        ExampleModel => "model", "模型输出";

        // Axes, captions and legends.
        TrainingStep => "training step", "训练步";
        // The x value's name in a hover label ("step 120").
        HoverStep => "step", "训练步";
        LossCaption => "solid: training batches · dashed: held-out set",
            "实线：训练批量 · 虚线：留出集";
        UnitXent => "cross-entropy (nats)", "交叉熵（nats）";
        UnitMse => "mean squared error", "均方误差";
        UnitLoss => "loss", "损失";
        Baseline => "{task} baseline {value}", "{task} 基线 {value}";
        ClipEngaged => "{run}: clipping engaged in {percent} % of updates",
            "{run}：{percent}% 的更新触发了梯度裁剪";
        GradNormCaption => "solid: before clipping · dashed: after (the norm the update used)",
            "实线：梯度裁剪前 · 虚线：梯度裁剪后（即更新实际使用的范数）";
        ClipThreshold => "clip threshold", "梯度裁剪阈值";
        ProfileAxis => "time step t (loss at the right)", "时间步 t（损失在最右端）";
        ProfileLine => "{run} ‖∂L/∂h_t‖ @ step {step}", "{run} ‖∂L/∂h_t‖（训练步 {step}）";
        GroupSeeds => "group seeds", "按随机种子合并";
        GroupSeedsHint => "Runs shown that differ only by their seed are drawn as one in the loss plot: the mean over the seeds (training loss solid, held-out dashed) with a band from the lowest to the highest training loss",
            "在损失图中，把只有随机种子不同的运行画成一条：各随机种子的均值（实线为训练损失，虚线为留出集损失），色带从最低到最高的训练损失";
        SeedGroup => "{run} · {n} seeds", "{run} · {n} 个随机种子";
        KeyLabel => "Runs shown:", "显示的运行：";
        SaturationCaption => "solid: hidden units saturated (ReLU: dead) · dashed: gates < 0.01 or > 0.99",
            "实线：饱和的隐藏单元（ReLU：死亡单元）· 虚线：门值 < 0.01 或 > 0.99";
        GateShades => "the selected run's gate blocks from dark to light: {gates}",
            "所选运行的各个门块，由深到浅：{gates}";
        ProfileAt => "profile at step {step}", "梯度分布：训练步 {step}";
        ProfileAtLatest => "profile: latest", "梯度分布：最新";
        ProfileAtHint => "Scrub the gradient profile (and the heatmap's cursor) over the training steps the selected run took it at; at the right end it follows the latest.",
            "在所选运行记录梯度分布的各训练步之间拖动，查看那一步的梯度分布（热力图上的竖线随之移动）；拖到最右端则跟随最新一步。";
        ReadoutWeight => "readout W", "输出层 W";
        ReadoutBias => "readout b", "输出层 b";
        SpectralCaption => "solid: spectral radius ρ · dotted: largest singular value σ_max",
            "实线：谱半径 ρ · 点线：最大奇异值 σ_max";
        LargestGate => " (largest gate)", "（取最大的门）";
        PascanuLine => "ρ = 1 (Pascanu et al.)", "ρ = 1（Pascanu 等）";
        DeadRelu => "dead ReLU units", "死亡的 ReLU 单元";
        SaturatedGates => "{run} gates < 0.01 or > 0.99", "{run} 门值 < 0.01 或 > 0.99";

        // The heatmap.
        HeatmapEmpty => "The heatmap shows the selected run's gradient profiles once it has some.",
            "选中的运行有了梯度随时间步的分布后，热力图会在这里显示它们。";
        TimeStepAxis => "time step t", "时间步 t";
        HeatmapImage => "{run} log10 ‖∂L/∂h_t‖", "{run} 的 log10 ‖∂L/∂h_t‖";
        TermsHeatmapImage => "{run} log10 ‖term_t‖ of ∂L/∂W_hh", "{run} 的 ∂L/∂W_hh 各项 log10 ‖term_t‖";
        TermsHeatmapEmpty => "The terms of the BPTT sum over training appear once the selected run has taken them (with its diagnostics, within their time budget).",
            "选中的运行取得 BPTT 求和的各项之后（随诊断一起，在其耗时预算内），这里显示它们随训练的变化。";

        // A plot saved as PNG.
        ExportNotShown => "The plot {title} is not shown.", "图表“{title}”没有显示。";
        ExportScrolledOut => "The plot {title} is scrolled out of the window.",
            "图表“{title}”已滚动到窗口之外。";
        ExportWrote => "Wrote {path}", "已写入 {path}";
        ExportCannotWrite => "Cannot write {path}: {error}", "无法写入 {path}：{error}";
    }
}
