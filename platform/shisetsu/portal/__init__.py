"""The portal: choose an operator; language switch; health check."""
