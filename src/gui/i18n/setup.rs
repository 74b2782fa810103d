//! The setup panel: the model, the task, BPTT, clipping, initialization, the optimizer, training.

messages! {
    /// The setup panel: the model, the task, BPTT, clipping, initialization, the optimizer, training.
    Setup {
        PlaceholderSetup => "(table setup)", "（表 setup）";
    }
}
