"""Live training shared by every page that trains while the user watches (no streamlit).

- ``scheduler``: the ``LiveJob`` protocol, the process-wide ``FairGate`` that hands out short
  training turns, and ``LiveTrainer``, the one background thread per playing page.
- ``play``: ``PlayState`` (playing or paused, and why it stopped: ``StopReason``), the one
  place a page's play state changes, and one refresh of a playing page.
- ``sessions``: ``SessionRegistry`` and its janitor thread, which release the models of
  sessions whose browser has gone for good; ``LiveSession``, the lockable per-session base.
- ``run``: ``LabRun``, one toy GAN and what the Toy GAN Lab shows about it.
- ``sweep_job``: ``SweepJob``, a batch x width grid of toy GANs as one live job.

Threads never call Streamlit: they only train jobs, which the pages read and draw. Shared
objects (the gate, the registry) are built on first use, so importing this package is cheap.
"""
