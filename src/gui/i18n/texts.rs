//! Messages of the message line and the window's other sentences: what a command did or why it could not, the saved state, the notebook, names of new runs.

messages! {
    /// Messages of the message line and the window's other sentences: what a command did or why it could not, the saved state, the notebook, names of new runs.
    Texts {
        // The message line: files, presets and exports.
        CannotOpen => "Cannot open {p}: {e}", "无法打开 {p}：{e}";
        ExportingScript => "Writing the {framework} script (the lab trains its first steps for their losses)…", "正在写出 {framework} 脚本（本实验室先训练最初的若干步，以得到它们的损失）……";
        ExportedScript => "Wrote the {framework} script and its {steps} steps of batches to {dir}: run python train.py there.", "已把 {framework} 脚本和 {steps} 个训练步的批量写入 {dir}：在那里运行 python train.py。";
        CannotExportScript => "Cannot export to {framework}: {e}", "无法导出为 {framework}：{e}";
        CannotStartExport => "Cannot start the export: {e}", "无法开始导出：{e}";
        ExportStopped => "The export stopped before it finished (its thread ended).", "导出在完成之前就中止了（它的线程已结束）。";
        Saved => "Saved {p}", "已保存 {p}";
        CannotSave => "Cannot save {p}: {e}", "无法保存 {p}：{e}";
        SystemDialogFailed => "Cannot open the system file dialog ({e}): the app's own opened instead",
            "无法打开系统的文件对话框（{e}），已改用本程序自带的对话框";
        Wrote => "Wrote {p}", "已写入 {p}";
        CannotWrite => "Cannot write {p}: {e}", "无法写入 {p}：{e}";
        CannotLoadPreset => "Cannot load preset: {e}", "无法载入预设：{e}";
        NoRunSelected => "No run selected.", "未选中任何运行。";
        NoWeights => "This run has no weights to use.", "该运行没有可用的权重。";
        CannotSample => "Cannot sample: {e}", "无法采样文本：{e}";
        // The message line: sweeps.
        CannotSaveSweep => "Cannot save the sweep: {e}", "无法保存参数扫描：{e}";
        WroteSweep => "Wrote {p}: run it with `bptt-lab sweep {p}`",
            "已写入 {p}，可用 `bptt-lab sweep {p}` 运行";
        CannotLoadSweep => "Cannot load the sweep: {e}", "无法载入参数扫描：{e}";
        NoSweepYet => "No sweep has run yet.", "尚未运行过参数扫描。";
        CannotRunSweep => "Cannot run the sweep: {e}", "无法运行参数扫描：{e}";
        // The message line: runs.
        CannotStart => "Cannot start: {e}", "无法开始：{e}";
        DuplicateFailed => "Duplicate with change: {e}", "复制并改动：{e}";
        OpenedRuns => "Opened {n} run(s) from {p}", "已从 {p} 打开 {n} 个运行";
        OpenedRunsSomeBad => "Opened {n} run(s) from {p}; {m} could not be read: {es}",
            "已从 {p} 打开 {n} 个运行；另有 {m} 个无法读取：{es}";
        CannotCarryOn => "Cannot carry the run on: {e}", "无法继续训练该运行：{e}";
        DeletedToTrash => "Deleted {r}: its folder is in the workspace's trash until Undo",
            "已删除 {r}：其文件夹已移到工作区的回收站，撤销删除即可恢复";
        DeletedFolderStays => "Deleted {r} from the list; its folder stays ({e})",
            "已从列表中删除 {r}；其文件夹仍保留（{e}）";
        RemovedFromList => "Removed {r} from the list (its folder is not touched)",
            "已从列表中移除 {r}（其文件夹未被改动）";
        NoWorkspace => "no workspace", "没有工作区";
        BroughtBack => "Brought back {p}", "已恢复 {p}";
        ListedAlready => "{p} is listed already", "{p} 已在列表中";
        CannotBringBack => "Cannot bring the run back: {e}", "无法恢复该运行：{e}";
        // The saved state.
        RestoreFailed => "The saved settings could not be read ({e}); the app opened with the defaults",
            "无法读取保存的设置（{e}），本程序已按默认设置打开";
        // A run's status (runs list, status bar).
        StatusReady => "ready", "就绪";
        StatusRunning => "running", "训练中";
        StatusPaused => "paused", "已暂停";
        StatusFinished => "finished", "已完成";
        StatusStopped => "stopped", "已停止";
        StatusInterrupted => "interrupted", "已中断";
        StatusDivergedOnRecord => "diverged ({w})", "已发散（{w}）";
        StatusFailed => "failed: {e}", "失败：{e}";
        // A run's one-line summary (runs list).
        SummaryLine => "{c} H={h} · {ta} T={t} · {bp} · {cl} · {op} lr {lr} · seed {sd}",
            "{c} H={h} · {ta} T={t} · {bp} · {cl} · {op} 学习率 {lr} · 随机种子 {sd}";
        SummaryFullBptt => "full BPTT", "完整 BPTT";
        SummaryChunks => "chunks of {k}", "按 {k} 步分块";
        SummaryNoClip => "no clip", "不裁剪";
        SummaryClipGlobal => "clip ‖g‖ ≤ {max}", "裁剪 ‖g‖ ≤ {max}";
        SummaryClipEach => "clip each ‖g‖ ≤ {max}", "按张量裁剪 ‖g‖ ≤ {max}";
        SummaryClipValue => "clip |g| ≤ {max}", "按值裁剪 |g| ≤ {max}";
        // A run's record (runs list, in the warning colour).
        CannotWriteRunFolder => "cannot write the run folder {p}: {e}", "无法写入运行文件夹 {p}：{e}";
        // The notebook: run folders and carrying runs on (inside the messages above).
        NoRunFolderHere => "no run folder here (a run folder holds preset.ron; a sweep's output holds them in runs/)",
            "这里没有运行文件夹（运行文件夹中有 preset.ron；参数扫描的输出把它们放在 runs/ 中）";
        NoSuchRun => "no such run", "没有这个运行";
        AlreadyTraining => "this run is training already", "该运行已在训练中";
        NoFolderToCarryOn => "this run has no folder to carry on from", "该运行没有可供继续训练的文件夹";
        NoCheckpoint => "{e} (a run killed before its first checkpoint cannot be carried on)",
            "{e}（在第一个检查点之前就被终止的运行无法继续训练）";
        AlreadyDone => "the run has done {d} steps already", "该运行已训练了 {d} 步";
        WriteFailed => "cannot write {p}: {e}", "无法写入 {p}：{e}";
        CutFailed => "cannot cut {p}: {e}", "无法删去 {p} 中检查点之后的记录：{e}";
    }
}
