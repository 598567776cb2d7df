-- markSlotFinished and the scheduler's "did this slot's job finish?" look slots up by job id.
CREATE INDEX IF NOT EXISTS schedule_slots_job_idx ON schedule_slots (job_id);
