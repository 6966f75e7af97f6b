"""The try-on studio: a static page (plain HTML, CSS and JavaScript, no build step) that uses
only the public HTTP APIs. Served at `/` by `fittingroom.api.studio`."""
