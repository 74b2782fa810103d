//! The guided tour's own words (its steps' texts are in `assets/tour.ron`, in both languages).

messages! {
    /// The guided tour's buttons and frame.
    TourText {
        TourButton => "Tour", "导览";
        TourHint => "A guided tour of backpropagation through time on the live app: each step starts a small preset and points at the plot that shows it.", "借助正在运行的本程序，逐步讲解通过时间反向传播：每一步启动一个小预设，并指出展示它的那张图。";
        StepOf => "Step {i} of {n}", "第 {i} 步，共 {n} 步";
        Back => "◀ Back", "◀ 上一步";
        Next => "Next ▶", "下一步 ▶";
        Finish => "Finish", "完成";
        Leave => "Leave the tour", "退出导览";
        PlotHidden => "(The outlined plot is further down: scroll the plots.)", "（框出的图在下方：请向下滚动图表区。）";
    }
}
