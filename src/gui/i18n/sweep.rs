//! The Sweep tab: the editor, the preview, the live table and its plots.

messages! {
    /// The Sweep tab: the editor, the preview, the live table and its plots.
    Sweep {
        PlaceholderSweep => "(table sweep)", "（表 sweep）";
    }
}
