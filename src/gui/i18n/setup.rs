//! The setup panel: the model, the task, BPTT, clipping, initialization, the optimizer, training.
//! Also the setup's errors ([`ConfigError`]) in the window's language: [`config_error`].

use super::{Lang, Message, fill, lang};
use crate::train::ConfigError;

messages! {
    /// The setup panel: the model, the task, BPTT, clipping, initialization, the optimizer, training.
    Setup {
        SweepHint => "Right-click a setting to sweep it.", "右键单击一个设置项，即可对它做参数扫描。";
        ChangedFromPreset => "changed from the preset: {changes}", "相对预设的改动：{changes}";
        PanelIsNextRun => "This panel is the setup of the next run: change it, then Start.",
            "这个面板是下一个运行的配置：修改后点“开始”。";
        PanelIsRunSetup => "This is the setup of {run}. Change a setting and Start as new run to compare.",
            "这是 {run} 的配置。修改某个设置项后点“开始新运行”即可对比。";
        PanelDiffers => "The next run (Start as new run) differs from {run}: {changes}",
            "下一个运行（“开始新运行”）与 {run} 的不同之处：{changes}";
        BackToRunSetup => "Back to {run}'s setup", "恢复为 {run} 的配置";
        BackToRunSetupHint => "Put the selected run's setup back into the panel", "把所选运行的配置放回面板";

        // The model.
        Model => "Model", "模型";
        Cell => "Cell", "单元类型";
        CellHint => "The recurrent cell. A tanh RNN multiplies the gradient by W_hh·diag(1−h²) at every step back, so it vanishes or explodes geometrically; the LSTM's additive cell state and the GRU's update gate give it a path that can stay near 1.",
            "循环单元。tanh RNN 每往回传播一个时间步，梯度都要乘以 W_hh·diag(1−h²)，因此会按几何级数消失或爆炸；LSTM 以加法更新的记忆元和 GRU 的更新门为梯度提供了一条乘积可以保持在 1 附近的通路。";
        Hidden => "Hidden size H", "隐藏单元数 H";
        HiddenHint => "Units in the hidden state. Larger H gives more memory and more compute (the recurrent GEMM is H×H per step).",
            "隐状态中的单元数。H 越大，记忆容量越大，计算量也越大（每个时间步的循环 GEMM 为 H×H）。";

        // The task.
        Task => "Task", "任务";
        TaskHint => "The sequence task. Its trivial baseline (what a model without memory scores) is the dashed line in the loss plot.",
            "序列任务。它的基线（没有记忆的模型所能达到的成绩）就是损失图中的虚线。";
        TaskAdding => "adding", "adding（加法问题）";
        TaskCopy => "copy", "copy（复制任务）";
        TaskTemporalOrder => "temporal_order", "temporal_order（时序任务）";
        TaskReber => "reber", "reber（嵌入式 Reber 文法）";
        TaskParity => "parity", "parity（奇偶校验）";
        TaskSine => "sine", "sine（时间序列预测）";
        TaskSineSines => "sine (sum of sines)", "sine（正弦波之和）";
        TaskSineMackeyGlass => "sine (Mackey–Glass)", "sine（Mackey–Glass 序列）";
        TaskDigits => "digits", "digits（手写数字）";
        TaskText => "text", "text（字符级文本生成）";
        TaskCsv => "csv (a series from a CSV file)", "csv（CSV 文件中的时间序列预测）";
        SeqLenT => "Sequence length T", "序列长度 T";
        AddingLenHint => "The two marked values are ~T/2 apart: the dependency the gradient must span.",
            "两个被标记的数相距约 T/2：这就是梯度必须跨越的依赖距离。";
        DelayT => "Delay T", "延迟 T";
        DelayHint => "Steps between reading the 10 symbols and writing them back.",
            "从读入 10 个符号到把它们写回之间相隔的时间步数。";
        LengthL => "Length L", "长度 L";
        LengthHint => "Sequences of U[L, 1.1L] steps; the relevant symbols sit at 10–20 % and 50–60 % of L.",
            "序列长度服从 U[L, 1.1L]；两个相关符号分别位于 L 的 10%–20% 和 50%–60% 处。";
        SeqLen => "Sequence length", "序列长度";
        ParityLenHint => "Bits per sequence.", "每个序列的比特数。";
        ParityAtEnd => "Parity only at the end", "只在末尾给出奇偶性";
        ParityAtEndHint => "Off: predict the running XOR at every step (short dependencies). On: only the parity of the whole stream, a dependency on every bit.",
            "关闭：每个时间步都预测到当前为止的累积异或（依赖很短）。打开：只预测整个比特流的奇偶性，它依赖于每一个比特。";
        SineLenHint => "Steps per window.", "每个窗口的时间步数。";
        Series => "Series", "序列类型";
        SumOfSines => "sum of sines", "正弦波之和";
        MackeyGlass => "Mackey–Glass", "Mackey–Glass 序列";
        Noise => "Noise σ", "噪声 σ";
        NoiseHint => "Standard deviation of the observation noise; no model can go below σ².",
            "观测噪声的标准差；任何模型的损失都不可能低于 σ²。";
        Order => "Order", "输入顺序";
        OrderRows => "rows (T = 8)", "逐行（T = 8）";
        OrderPixels => "pixels (T = 64)", "逐像素（T = 64）";
        OrderHint => "Feed each image one row or one pixel per step; pixel order makes the dependency 8× longer.",
            "每个时间步输入图像的一行或一个像素；逐像素输入使依赖长度变为 8 倍。";
        WindowLen => "Window length", "窗口长度";
        WindowLenHint => "Characters per training window.", "每个训练窗口的字符数。";
        Corpus => "Corpus", "语料";
        Sonnets => "Shakespeare's Sonnets", "莎士比亚《十四行诗》";
        UseSonnets => "use the Sonnets", "改用《十四行诗》";

        // Backpropagation through time.
        Bptt => "Backpropagation through time", "通过时间反向传播";
        Full => "Full", "完整";
        FullHint => "Back-propagate through every step of the sequence: the exact gradient.",
            "在序列的每个时间步上反向传播：得到精确的梯度。";
        Truncated => "Truncated", "截断";
        TruncatedHint => "BPTT(k1, k2): every k1 steps, back-propagate the last k1 losses through k2 steps. Cheaper, but no gradient reaches dependencies longer than k2.",
            "BPTT(k1, k2)：每隔 k1 个时间步，把最近 k1 个时间步的损失反向传播 k2 步。开销更小，但长于 k2 的依赖得不到任何梯度。";
        Chunks => "Chunks", "分块";
        ChunksHint => "What PyTorch and Keras users write: cut the sequence into chunks of k from t = 0 and detach between them. The last chunk is short when T is not a multiple of k, so a loss at the last step may get far fewer than k steps.",
            "PyTorch 和 Keras 用户通常的写法：从 t = 0 起把序列切成长为 k 的块，块与块之间断开计算图（detach）。T 不是 k 的倍数时最后一块较短，因此最后一个时间步的损失能反向传播的步数可能远少于 k。";
        ChunkHint => "Steps per chunk; the state is detached between chunks.",
            "每块的时间步数；块与块之间隐状态断开计算图。";
        K1Hint => "Steps between backward passes (and updates, per segment).",
            "两次反向传播之间相隔的时间步数（每个片段之后更新时，也是两次更新之间相隔的时间步数）。";
        K2Hint => "How far back each backward pass goes (k2 ≥ k1). Windows overlap when k2 > k1.",
            "每次反向传播回溯的时间步数（k2 ≥ k1）。k2 > k1 时各窗口相互重叠。";
        Update => "Update", "更新";
        UpdatePerSegment => "after every segment", "每个片段之后";
        UpdateOnce => "once per sequence", "每个序列一次";
        UpdateHint => "Per segment: clip and update after each window (Keras stateful, PyTorch detach). Once per sequence: sum the windows' gradients with fixed weights.",
            "每个片段之后：每个窗口结束后做梯度裁剪并更新参数（即 Keras 的 stateful、PyTorch 的 detach 写法）。每个序列一次：在模型参数保持不变的情况下累加各窗口的梯度，整个序列结束后只更新一次。";
        WindowsInfo => "At T = {t}: windows of {lo}–{hi} steps; every loss term gets ≥ {min} steps, a loss at the last step {last_step}.",
            "T = {t} 时：窗口长 {lo}–{hi} 步；每个损失项至少反向传播 {min} 步，最后一个时间步的损失反向传播 {last_step} 步。";

        // Gradient clipping.
        Clipping => "Gradient clipping", "梯度裁剪";
        ClipMode => "Mode", "方式";
        ClipNone => "none", "不裁剪";
        ClipGlobal => "global norm", "按全局范数";
        ClipPerTensor => "per-tensor norm", "按张量";
        ClipValue => "element value", "按值";
        ClipHint => "Pascanu et al. (2013): rescale an exploding gradient before the update. Global norm keeps its direction (clip_grad_norm_); per tensor is Keras clipnorm; element value clamps each entry.",
            "Pascanu 等（2013）：在更新之前把爆炸的梯度缩小。按全局范数裁剪保持梯度的方向（即 clip_grad_norm_）；按张量裁剪即 Keras 的 clipnorm；按值裁剪把每个分量限制在阈值以内。";
        Threshold => "Threshold", "阈值";
        ThresholdHint => "Gradients larger than this are scaled down to it; the threshold is drawn in the gradient-norm plot.",
            "大于此值的梯度会被缩小到此值；阈值画在梯度范数图中。";

        // Initialization.
        Init => "Initialization", "初始化";
        InitPytorch => "PyTorch default", "PyTorch 默认";
        InitXavierUniform => "Xavier uniform", "Xavier 均匀";
        InitXavierNormal => "Xavier normal", "Xavier 正态";
        InitOrthogonal => "orthogonal", "正交";
        InitIdentity => "identity", "单位矩阵";
        InitSpectral => "Gaussian at spectral radius", "高斯（按谱半径）";
        InitSparse => "sparse", "稀疏";
        InitZero => "zero", "全零";
        WhhHint => "The recurrent matrix decides gradient flow at initialization: its spectral radius ρ is the rate at which gradients shrink (ρ < 1) or grow (ρ > 1) per step back. Orthogonal and identity start at ρ = gain.",
            "初始化时，梯度如何流动由循环矩阵决定：它的谱半径 ρ 就是梯度每往回传播一步缩小（ρ < 1）或增大（ρ > 1）的倍率。正交初始化和单位矩阵初始化的起点为 ρ = gain。";
        WihHint => "Input weights: they set the scale of the pre-activations, hence how saturated tanh and the gates start.",
            "输入权重：它们决定预激活值的尺度，从而决定 tanh 和各个门一开始的饱和程度。";
        Gain => "    gain", "    增益 gain";
        GainHint => "Scale of the matrix; for orthogonal and identity blocks it is exactly the spectral radius.",
            "矩阵的缩放系数；对正交块和单位矩阵块，它恰好等于谱半径。";
        Radius => "    radius ρ", "    谱半径 ρ";
        RadiusHint => "Each gate block is rescaled to this spectral radius: ρ < 1 vanishing, ρ > 1 exploding (for a linear RNN).",
            "每个门的矩阵块都缩放到这个谱半径：ρ < 1 时梯度消失，ρ > 1 时梯度爆炸（对线性 RNN 而言）。";
        NonZeros => "    non-zeros", "    非零元数";
        NonZerosHint => "Non-zero entries per row (Martens 2010 used 15).",
            "每行的非零元素个数。Martens（2010）用的是 15。";
        SparseRadiusHint => "Spectral radius after rescaling (Pascanu et al. used 1.1 for tanh).",
            "缩放后的谱半径（Pascanu 等对 tanh 用的是 1.1）。";
        Biases => "Biases", "偏置";
        BiasForget => "forget-gate bias", "遗忘门偏置";
        BiasChrono => "chrono", "chrono 初始化";
        BiasHint => "A positive LSTM forget-gate bias keeps the cell state (σ(1) ≈ 0.73 instead of 0.5 per step), so memory and gradients last longer. Chrono init draws forget biases for memories of 1 to T_max steps. (LSTM only.)",
            "正的 LSTM 遗忘门偏置能让记忆元保留下来（每步保留 σ(1) ≈ 0.73，而不是 0.5），记忆和梯度都能维持得更久。chrono 初始化按 1 到 T_max 步的记忆长度抽取遗忘门偏置。（仅用于 LSTM。）";
        ForgetBias => "    forget bias", "    遗忘门偏置";
        ForgetBiasHint => "Added to one bias vector only, so the effective bias is this value.",
            "只加在一个偏置向量上，因此有效偏置就是这个值。";
        TMaxHint => "Longest memory the forget gates start with (Tallec & Ollivier 2018); about the task's longest dependency.",
            "遗忘门初始时的最长记忆（时间步数），取任务中最长的依赖距离左右。见 Tallec 与 Ollivier（2018）。";

        // The optimizer.
        Optimizer => "Optimizer", "优化器";
        Method => "Method", "方法";
        RecurrentBias => "Recurrent bias b_hh", "循环偏置 b_hh";
        RecurrentBiasHint => "PyTorch's cells have two biases, b_ih and b_hh, both learned. Off: b_hh is zero and does not learn, leaving one bias per gate, as Keras's SimpleRNN and LSTM (whose bias is b_ih + b_hh). The two train differently: two biases with the same gradient move their sum twice as fast. A Keras export of an RNN or LSTM needs it off.", "PyTorch 的单元有两个偏置 b_ih 和 b_hh，都参与学习。关闭时 b_hh 为零且不学习，每个门只剩一个偏置，和 Keras 的 SimpleRNN、LSTM 一样（它们的偏置相当于 b_ih + b_hh）。两者训练起来不同：梯度相同的两个偏置，其和的变化速度是一个偏置的两倍。把 RNN 或 LSTM 导出为 Keras 脚本时需要关闭它。";
        KerasAdamHint => "keras.optimizers.Adam: the same moments as PyTorch's Adam, but ε (1e-7) is added to √v before the bias correction, so early steps differ. What a Keras export needs to give the same numbers.", "keras.optimizers.Adam：与 PyTorch 的 Adam 用同样的矩估计，但 ε（1e-7）在偏差校正之前加到 √v 上，所以最初几步的更新不同。导出为 Keras 脚本并得到相同数值时需要选它。";
        OptimizerHint => "PyTorch's update formulas. Adam and RMSProp divide by a running gradient scale, which hides (but does not cure) vanishing gradients.",
            "采用 PyTorch 的更新公式。Adam 和 RMSProp 会除以梯度尺度的滑动估计，这能掩盖（但不能治愈）梯度消失。";
        LearningRate => "Learning rate", "学习率";
        LearningRateHint => "Step size. With exploding gradients and no clipping, one large step can throw the weights far away.",
            "步长。梯度爆炸而又不做梯度裁剪时，一个大步就可能把权重甩得很远。";
        WeightDecay => "Weight decay", "权重衰减";
        WeightDecayHint => "L2 penalty added to the gradient (PyTorch's weight_decay).",
            "加到梯度上的 L2 惩罚项（即 PyTorch 的 weight_decay）。";
        Momentum => "Momentum", "动量";
        MomentumHint => "Velocity kept between updates (0 = plain SGD).",
            "在两次更新之间保留的速度（0 即普通 SGD）。";
        Nesterov => "Nesterov", "Nesterov 动量";
        NesterovHint => "Look-ahead momentum; needs momentum > 0.", "前瞻式动量；要求 momentum > 0。";
        Alpha => "Alpha", "α";
        AlphaHint => "Decay of the running average of squared gradients.", "梯度平方的滑动平均的衰减系数。";
        Beta1Hint => "Decay of the first-moment (mean gradient) average.", "一阶矩（梯度均值）滑动平均的衰减系数。";
        Beta2Hint => "Decay of the second-moment (squared gradient) average.", "二阶矩（梯度平方）滑动平均的衰减系数。";

        // Training.
        Training => "Training", "训练";
        BatchSize => "Batch size", "批量大小";
        BatchSizeHint => "Sequences per step. Larger batches give smoother gradient estimates.",
            "每个训练步的序列数。批量越大，梯度估计越平稳。";
        Steps => "Steps", "训练步数";
        StepsHint => "Training steps of a run (one batch each).", "一次运行的训练步数（每步一个批量）。";
        Seed => "Seed", "随机种子";
        SeedHint => "Seeds the initial weights and the data: the same seed gives the same run, bit for bit.",
            "决定初始权重和数据：随机种子相同，运行结果就逐位相同。";
        HeldOut => "Held-out set", "留出集大小";
        HeldOutHint => "Sequences in the fixed evaluation set, drawn from its own seed stream.",
            "留出集（固定的评估集）中的序列数，由它自己的随机数流生成。";
        DiagnosticsEvery => "Diagnostics every", "诊断间隔";
        Analysis => "Analysis", "网络分析";
        AnalysisHint => "Eigenvalues of W_hh, Lyapunov exponents, Pascanu's Ω and LSTM memory horizons on 8 held-out sequences: at the first and last steps, and in between while they cost at most 3 % of the training time.",
            "在 8 条留出集序列上计算 W_hh 的特征值、李雅普诺夫指数、Pascanu 的 Ω 和 LSTM 的记忆跨度：在第一步和最后一步计算，中间只要耗时不超过训练时间的 3% 就计算。";
        DiagnosticsHint => "Steps between diagnostics (gradient profile, spectra, held-out loss); 0 = automatic: at least 4 times a second and about 100 times over the run's steps, within a fifth of the training time.",
            "两次诊断（梯度随时间步的分布、谱、留出集损失）之间的训练步数；0 表示自动：每秒至少 4 次，并且在整个运行的训练步中约 100 次，所用时间不超过训练时间的五分之一。";
        Threads => "Threads per run", "每个运行的线程数";
        ThreadsHint => "2 splits each batch over two cores (full BPTT and accumulated truncation, H ≥ 32): about twice the steps per second when this is the only run training; with several runs at once, keep 1. The numbers agree with 1 thread to rounding. (A setting of this machine, not of the experiment: not saved in presets.)",
            "选 2 时把每个批量分到两个核上计算（适用于完整 BPTT 和每个序列一次更新的截断 BPTT，且 H ≥ 32）：只有这一个运行在训练时，每秒训练步数约翻一倍；同时训练多个运行时请保持 1。结果与单线程只差舍入误差。（这是本机的设置项，不属于实验，因此不保存到预设中。）";
        Precision => "Precision", "精度";
        PrecisionHint => "f32 trains faster; f64 is what gradient checks use.", "f32 训练更快；梯度检验使用 f64。";

        // The sweep menu of a setting.
        SweepThis => "Sweep this setting…", "对此设置项做参数扫描…";
        SweepThisHint => "Open the Sweep tab with {ron_path} over a range of values",
            "打开“参数扫描”标签页，让 {ron_path} 遍历一组取值";

        // The setup's errors (`ConfigError`), for [`config_error`]: each English text is the
        // pattern the library's message is matched against (its values named), the Chinese
        // its translation.
        ErrFrame => "`{field}`: {allowed}", "`{field}`：{allowed}";
        ErrFrameValue => "`{field}` = {value}: {allowed}", "`{field}` = {value}：{allowed}";
        ErrFieldSeqLen => "task: sequence length", "task: 序列长度";
        ErrPositive => "must be a finite number > 0", "必须是大于 0 的有限数";
        ErrNonNegative => "must be a finite number ≥ 0", "必须是大于或等于 0 的有限数";
        ErrUnitInterval => "must be in [0, 1)", "必须在 [0, 1) 内";
        ErrInRange => "must be in {lo}..={hi}", "必须在 {lo}..={hi} 范围内";
        ErrFinite => "must be finite", "必须是有限数";
        ErrAboveTwo => "must be > 2", "必须大于 2";
        ErrK2 => "must be ≥ k1 = {k1} (back-propagate at least the k1 new steps)",
            "必须 ≥ k1 = {k1}（至少要把 k1 个新的时间步反向传播）";
        ErrActivations => "T·B·G·H = {t}·{b}·{g}·{h} = {floats} stored activations is more than {max}; use a smaller batch, hidden size or sequence",
            "T·B·G·H = {t}·{b}·{g}·{h} = {floats}，即要存储的激活值个数，超过了上限 {max}；请减小批量大小、隐藏单元数或序列长度";
        ErrEvalActivations => "T·N·G·H = {t}·{n}·{g}·{h} = {floats} stored activations for the held-out set is more than {max}; use a smaller held-out set",
            "T·N·G·H = {t}·{n}·{g}·{h} = {floats}，即留出集要存储的激活值个数，超过了上限 {max}；请减小留出集大小";
        ErrLstmOnly => "applies to the LSTM's forget gate only; model.cell is {cell}",
            "只适用于 LSTM 的遗忘门；当前 model.cell 为 {cell}";
        ErrNesterov => "needs momentum > 0 and dampening = 0 (as in PyTorch)",
            "要求 momentum > 0 且 dampening = 0（与 PyTorch 相同）";
        ErrAllowed => "allowed: {what}", "允许的取值：{what}";
        ErrFiniteNonNegative => "finite and ≥ 0", "大于或等于 0 的有限数";
        ErrCannotRead => "cannot read {path}: {error}", "无法读取 {path}：{error}";
        ErrNotUtf8 => "{path} is not UTF-8 text (invalid bytes at byte offset {offset}); allowed: a UTF-8 text file",
            "{path} 不是 UTF-8 文本（字节偏移 {offset} 处有无效字节）；要求：UTF-8 文本文件";
        ErrCorpusTooShort => "{origin} has {chars} characters; seq_len {seq_len} needs at least {needed}",
            "“{origin}”只有 {chars} 个字符；seq_len 为 {seq_len} 时至少需要 {needed} 个";
        ErrVocabTooLarge => "{origin} has {distinct} distinct characters; allowed: at most {max} (each is an input and an output of the model)",
            "“{origin}”含有 {distinct} 种不同的字符；最多允许 {max} 种（每种字符都是模型的一个输入和一个输出）";
        ErrBundledSonnets => "the bundled sonnets", "内置的《十四行诗》";
        ErrNotRegularFile => "not a regular file (a folder, FIFO or device cannot be read as data)",
            "不是普通文件（文件夹、FIFO 或设备不能作为数据读取）";
        ErrFileTooLarge => "the file holds {len} bytes, more than the {cap} this reader takes",
            "文件有 {len} 字节，超过了这里能读取的 {cap} 字节";
        ErrNoSuchFile => "No such file or directory (os error {code})", "文件或目录不存在（os error {code}）";
        ErrPermission => "Permission denied (os error {code})", "权限不足（os error {code}）";
        // The panel's own: the check of a setup runs off the UI thread (`validated.rs`).
        Checking => "checking the setup (reading the corpus)…", "正在检查配置（读取语料）…";
        CheckFailed => "the setup could not be checked: {failure_reason}", "无法检查配置：{failure_reason}";
        CheckNoThread => "no thread: {os_error}", "无法启动线程：{os_error}";
        CheckPanicked => "the check stopped (a panic)", "检查意外中止（panic）";
    }
}

/// The phrases of the setup's errors that [`config_error`] translates, tried in this order.
const PHRASES: &[Setup] = &[
    Setup::ErrPositive,
    Setup::ErrNonNegative,
    Setup::ErrUnitInterval,
    Setup::ErrInRange,
    Setup::ErrFinite,
    Setup::ErrAboveTwo,
    Setup::ErrK2,
    Setup::ErrActivations,
    Setup::ErrEvalActivations,
    Setup::ErrLstmOnly,
    Setup::ErrNesterov,
    Setup::ErrFiniteNonNegative,
    Setup::ErrNotUtf8,
    Setup::ErrCorpusTooShort,
    Setup::ErrVocabTooLarge,
    Setup::ErrAllowed,
    Setup::ErrCannotRead,
    Setup::ErrBundledSonnets,
    Setup::ErrNotRegularFile,
    Setup::ErrFileTooLarge,
    Setup::ErrNoSuchFile,
    Setup::ErrPermission,
    Setup::Checking,
    Setup::CheckFailed,
    Setup::CheckNoThread,
    Setup::CheckPanicked,
];

/// A setup error as the window shows it: the library's English message (as the command line
/// prints it) in English; in Chinese, its frame and every phrase the library and the tasks
/// produce translated, values kept. A phrase not known stays English.
pub fn config_error(e: &ConfigError) -> String {
    config_error_in(e, lang())
}

fn config_error_in(e: &ConfigError, lang: Lang) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    let field = if e.field == Setup::ErrFieldSeqLen.text(Lang::En) {
        Setup::ErrFieldSeqLen.text(lang)
    } else {
        &e.field
    };
    let allowed = phrase(&e.allowed, lang, 0);
    if e.value.is_empty() {
        fill(
            Setup::ErrFrame.text(lang),
            &[("field", &field), ("allowed", &allowed)],
        )
    } else {
        fill(
            Setup::ErrFrameValue.text(lang),
            &[
                ("field", &field),
                ("value", &e.value),
                ("allowed", &allowed),
            ],
        )
    }
}

/// `text` in `lang` if it is one of [`PHRASES`] (its values translated in turn), else as is.
fn phrase(text: &str, lang: Lang, depth: usize) -> String {
    if depth > 4 {
        return text.to_owned();
    }
    for &key in PHRASES {
        if let Some(values) = captures(key.text(Lang::En), text) {
            let values: Vec<(&str, String)> = values
                .into_iter()
                .map(|(name, v)| (name, phrase(v, lang, depth + 1)))
                .collect();
            let refs: Vec<(&str, &dyn std::fmt::Display)> = values
                .iter()
                .map(|(name, v)| (*name, v as &dyn std::fmt::Display))
                .collect();
            return fill(key.text(lang), &refs);
        }
    }
    text.to_owned()
}

/// The values of `text` if it is `template` with each `{name}` filled in: each value ends at
/// the first place the template's next literal part follows, the last one at the template's
/// end. `None` if it is not.
fn captures<'a>(template: &'a str, text: &'a str) -> Option<Vec<(&'a str, &'a str)>> {
    let mut literals = Vec::new();
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        literals.push(&rest[..open]);
        names.push(&rest[open + 1..close]);
        rest = &rest[close + 1..];
    }
    literals.push(rest);
    let mut text = text.strip_prefix(literals[0])?;
    if names.is_empty() {
        return text.is_empty().then(Vec::new);
    }
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let next = literals[i + 1];
        if i + 1 == names.len() {
            out.push((*name, text.strip_suffix(next)?));
        } else {
            let at = text.find(next)?;
            out.push((*name, &text[..at]));
            text = &text[at + next.len()..];
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::config_error;
    use crate::gui::i18n::{Lang, set_lang};
    use crate::train::ConfigError;

    fn error(field: &str, value: &str, allowed: &str) -> ConfigError {
        ConfigError {
            field: field.to_owned(),
            value: value.to_owned(),
            allowed: allowed.to_owned(),
        }
    }

    #[test]
    fn setup_errors_are_english_in_english_and_translated_in_chinese() {
        let cases = [
            (
                error("optimizer.adam.lr", "-1", "must be a finite number > 0"),
                "`optimizer.adam.lr` = -1: must be a finite number > 0",
                "`optimizer.adam.lr` = -1：必须是大于 0 的有限数",
            ),
            (
                error("model.hidden", "0", "must be in 1..=4096"),
                "`model.hidden` = 0: must be in 1..=4096",
                "`model.hidden` = 0：必须在 1..=4096 范围内",
            ),
            (
                error(
                    "bptt.k2",
                    "10",
                    "must be ≥ k1 = 20 (back-propagate at least the k1 new steps)",
                ),
                "`bptt.k2` = 10: must be ≥ k1 = 20 (back-propagate at least the k1 new steps)",
                "`bptt.k2` = 10：必须 ≥ k1 = 20（至少要把 k1 个新的时间步反向传播）",
            ),
            (
                error("task.sine.noise", "-0.5", "allowed: finite and ≥ 0"),
                "`task.sine.noise` = -0.5: allowed: finite and ≥ 0",
                "`task.sine.noise` = -0.5：允许的取值：大于或等于 0 的有限数",
            ),
            (
                error("task.adding.seq_len", "1", "allowed: 2..=100000"),
                "`task.adding.seq_len` = 1: allowed: 2..=100000",
                "`task.adding.seq_len` = 1：允许的取值：2..=100000",
            ),
            (
                error(
                    "task.text.path",
                    "",
                    "cannot read /tmp/x.txt: No such file or directory (os error 2)",
                ),
                "`task.text.path`: cannot read /tmp/x.txt: No such file or directory (os error 2)",
                "`task.text.path`：无法读取 /tmp/x.txt：文件或目录不存在（os error 2）",
            ),
            (
                error(
                    "task.text.path",
                    "",
                    "the bundled sonnets has 94000 characters; seq_len 20000 needs at least 200010",
                ),
                "`task.text.path`: the bundled sonnets has 94000 characters; seq_len 20000 needs at least 200010",
                "`task.text.path`：“内置的《十四行诗》”只有 94000 个字符；seq_len 为 20000 时至少需要 200010 个",
            ),
            (
                error("task: sequence length", "200000", "must be in 1..=100000"),
                "`task: sequence length` = 200000: must be in 1..=100000",
                "`task: 序列长度` = 200000：必须在 1..=100000 范围内",
            ),
            (
                error(
                    "task",
                    "",
                    "the setup could not be checked: the check stopped (a panic)",
                ),
                "`task`: the setup could not be checked: the check stopped (a panic)",
                "`task`：无法检查配置：检查意外中止（panic）",
            ),
            // A phrase not known stays English, in the Chinese frame.
            (
                error("steps", "0", "something new"),
                "`steps` = 0: something new",
                "`steps` = 0：something new",
            ),
        ];
        for (e, en, zh) in &cases {
            set_lang(Lang::En);
            assert_eq!(config_error(e), *en);
            assert_eq!(
                config_error(e),
                e.to_string(),
                "English is the library's own"
            );
            set_lang(Lang::ZhCn);
            assert_eq!(config_error(e), *zh);
        }
        set_lang(Lang::En);
    }

    #[test]
    fn the_library_s_messages_match_the_patterns() {
        // Errors the library really produces, so that a reworded message shows up here.
        let mut setup = crate::gui::state::SavedState::default().setup;
        setup.batch_size = 0;
        let e = setup.validate().unwrap_err();
        set_lang(Lang::ZhCn);
        let zh = config_error(&e);
        set_lang(Lang::En);
        assert!(zh.contains("必须在 1..=") && zh.contains("范围内"), "{zh}");
        setup.batch_size = 4;
        setup.optimizer = crate::nn::OptimizerConfig::adam(0.0);
        let e = setup.validate().unwrap_err();
        set_lang(Lang::ZhCn);
        let zh = config_error(&e);
        set_lang(Lang::En);
        assert!(zh.ends_with("必须是大于 0 的有限数"), "{zh}");
    }
}
