package jetstream
