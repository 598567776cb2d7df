-- Leases live seconds to minutes and are renewed continuously: writing them to the WAL and
-- waiting for the disk on every take, renewal and release costs more than the job start
-- itself. Unlogged, a crash of the database server empties the table, which frees every
-- roaster — exactly what the holders' deaths would have done once their leases expired.
ALTER TABLE roaster_leases SET UNLOGGED;
