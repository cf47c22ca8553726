"""HTML pages of the studio: thin routes that render templates; the JSON API lives in server/api."""
