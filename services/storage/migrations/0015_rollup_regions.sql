-- The region a series reports for, on its rollups: the region of its newest reading in the
-- bucket (NULL for the city-wide rows and for sources without one). The city rows of an
-- indicator with one city-wide source (combine = single) leave out the sources that report
-- for a region: that region's own figure is not a part of the city's (services/storage/rollups.py).
ALTER TABLE rollups ADD COLUMN region text;

UPDATE rollups r SET region = o.region
FROM (SELECT DISTINCT ON (indicator, source) indicator, source, region
      FROM observations WHERE region IS NOT NULL
      ORDER BY indicator, source, ts DESC) o
WHERE r.indicator = o.indicator AND r.source = o.source;

COMMENT ON COLUMN rollups.region IS
    'The region of the series'' newest reading in the bucket; NULL for city rows (source *).';
