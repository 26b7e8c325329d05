"""Media: downloading, storing and reading the photos, videos and documents of posts."""
