"""The Gradio chat app: pure rendering (render), 范围 filter (scope), loaded assistant and index (state), handlers, Blocks (ui)."""
