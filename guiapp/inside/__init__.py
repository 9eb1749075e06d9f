"""See inside the network: a node's output while editing (:mod:`.preview_panel`), every node's health
over a run (:mod:`.health_view`), a stored run's health replayed on the canvas (:mod:`.replay`).
:func:`.install.install_inside` adds them to the main window."""
