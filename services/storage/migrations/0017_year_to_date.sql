-- Year-to-date feeds (docs/providers.md): a flow's reading may carry the year's total so far
-- (label arrives_as=ytd). The stream stores the flow since the series' previous total of the
-- same year in value, and keeps the total, in the indicator's unit, beside it: the next figure
-- (or a late or revised one) is differenced against it.
ALTER TABLE observations ADD COLUMN cumulative double precision;
COMMENT ON COLUMN observations.cumulative IS
    'For a year-to-date reading: the year''s total so far (indicator unit); value is the flow since the previous total of the year.';

-- The plausible range of one reading, which the stream checks on the flows it derives.
ALTER TABLE indicators ADD COLUMN range_min double precision, ADD COLUMN range_max double precision;
