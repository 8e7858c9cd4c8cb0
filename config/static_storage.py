"""Static files for production: hashed names (cached forever), gzip/brotli copies (WhiteNoise)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ModuleAwareStaticFilesStorage(CompressedManifestStaticFilesStorage):
    # The room page is ES modules importing each other ("./composer.js"): rewrite those imports to
    # the hashed names too, so a deploy never mixes a new room.js with an old cached part.
    support_js_module_import_aggregation = True
