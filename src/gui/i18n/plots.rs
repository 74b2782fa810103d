//! The plots: titles, axes, legends, captions, hover texts; the heatmap and plots saved as PNG.

messages! {
    /// The plots: titles, axes, legends, captions, hover texts; the heatmap and plots saved as PNG.
    Plots {
        PlaceholderPlots => "(table plots)", "（表 plots）";
    }
}
