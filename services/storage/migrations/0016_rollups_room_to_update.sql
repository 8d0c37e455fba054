-- The rollups of the live hour, day, month and year of every series are merged with each
-- batch the stream stores: the same rows updated ten times a second under load. With pages
-- filled to the brim each update went to another page and added an entry to both indexes,
-- and the look-ups of the next batch waded through the dead ones (50 µs an upsert after a
-- minute at 5 000 readings/s). Room left in each page lets an update stay on its page (a HOT
-- update: no new index entry), and the page's dead versions are pruned as it is read.
ALTER TABLE rollups SET (fillfactor = 70);
