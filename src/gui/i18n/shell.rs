//! The top bar (menus, run controls, language switch), the status bar, the runs panel, the side panels and the file dialogs.

messages! {
    /// The top bar (menus, run controls, language switch), the status bar, the runs panel, the side panels and the file dialogs.
    Shell {
        Language => "Language of the window / 界面语言", "界面语言 / Language of the window";
    }
}
