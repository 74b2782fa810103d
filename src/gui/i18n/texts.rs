//! Messages of the message line and the window's other sentences: what a command did or why it could not, the saved state, the notebook, names of new runs.

messages! {
    /// Messages of the message line and the window's other sentences: what a command did or why it could not, the saved state, the notebook, names of new runs.
    Texts {
        PlaceholderTexts => "(table texts)", "（表 texts）";
    }
}
