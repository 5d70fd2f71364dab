"""The Gradio chat app: pure rendering (render), loaded assistant and index (state), handlers, Blocks (ui)."""
