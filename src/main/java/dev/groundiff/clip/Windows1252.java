package dev.groundiff.clip;

/** ftfy's "sloppy windows-1252": bytes 0x80-0x9F as Windows-1252, the five undefined ones kept as Latin-1. */
final class Windows1252 {
    private static final char[] HIGH = {
            '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
            '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
            '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
            '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    };

    private Windows1252() {}

    /** The character byte {@code b} (0x80-0x9F) stands for. */
    static char sloppyDecode(int b) {
        if (b < 0x80 || b > 0x9F) throw new IllegalArgumentException("not a C1 byte: " + b);
        return HIGH[b - 0x80];
    }
}
