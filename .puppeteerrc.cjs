/** Never download a browser: Tirek drives Debian's chromium (CHROMIUM_PATH). */
module.exports = { skipDownload: true };
