"""The pipeline and the outbox. Modules by stage: intake, pipeline, delivery, replay, trace."""
