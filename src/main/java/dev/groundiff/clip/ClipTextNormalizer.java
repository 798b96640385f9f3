package dev.groundiff.clip;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The text cleaning in front of CLIP's BPE, as openai/CLIP's {@code simple_tokenizer} does it:
 * {@code ftfy.fix_text}, {@code html.unescape} twice, strip, collapse whitespace runs to one space, lower-case.
 *
 * <p><b>Which behaviour and why.</b> Stable Diffusion v1.x pipelines tokenize with transformers'
 * {@code CLIPTokenizer}, which uses ftfy when it is installed (it is in the reference environment and in
 * practically every SD install) and then collapses whitespace and lower-cases; without ftfy it falls back to a
 * BERT-style cleaner that splits CJK ideographs into single-character words. We follow the ftfy path (the ids
 * SD v1.x was trained and used with; openai's tokenizer gives the same ids on all fixture prompts). We also
 * apply openai's double {@code html.unescape}, which transformers skips; the two differ only for text that
 * holds a literal {@code '<'} together with an HTML reference (ftfy leaves references alone then).
 *
 * <p><b>The parts of ftfy 6.1 {@code fix_text} reproduced</b>, per line and repeated until nothing changes:
 * unescape_html (only if the text has no {@code '<'}), fix_c1_controls (U+0080-U+009F read as Windows-1252),
 * fix_latin_ligatures (ﬁ → fi, Ĳ → IJ, ǆ → dž ...), fix_character_width (U+FF01-U+FFEF → their NFKC form,
 * U+3000 → space), uncurl_quotes (U+02BC, U+2018-U+201B → ', U+201C-U+201F → "), fix_line_breaks,
 * fix_surrogates (a lone surrogate → U+FFFD), remove_terminal_escapes (ANSI {@code ESC[...x}),
 * remove_control_chars, NFC.
 * <b>Not reproduced:</b> ftfy's mojibake repair (fix_encoding: re-decoding text like "cafÃ©" as UTF-8, with
 * restore_byte_a0, replace_lossy_sequences, decode_inconsistent_utf8). It needs ftfy's statistical badness
 * heuristic and codec tables; a prompt that is itself mojibake is tokenized as written. HTML named references
 * outside the HTML 4 set are left as written (see {@link HtmlEntities}).
 */
public final class ClipTextNormalizer {
    private static final Pattern ANSI_ESCAPE = Pattern.compile("\u001b\\[((?:\\d|;)*)([a-zA-Z])");

    private ClipTextNormalizer() {}

    /** The text the BPE pre-tokenizer sees: fixed, unescaped, whitespace-collapsed, stripped, lower-case. */
    public static String normalize(String text) {
        String t = fixText(text);
        t = HtmlEntities.INSTANCE.unescape(HtmlEntities.INSTANCE.unescape(t));
        return collapseWhitespace(t).toLowerCase(Locale.ROOT);
    }

    /** The reproduced subset of {@code ftfy.fix_text} with its default settings (see the class comment). */
    public static String fixText(String text) {
        boolean unescape = text.indexOf('<') < 0;
        StringBuilder out = new StringBuilder(text.length());
        int pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? text.length() : nl + 1;
            String segment = text.substring(pos, end);
            if (segment.indexOf('<') >= 0) unescape = false; // ftfy keeps this decision for the following lines
            out.append(fixSegment(segment, unescape));
            pos = end;
        }
        return out.toString();
    }

    private static String fixSegment(String text, boolean unescapeHtml) {
        while (true) {
            String orig = text;
            if (unescapeHtml) text = HtmlEntities.INSTANCE.unescapeStrict(text);
            text = fixC1Controls(text);
            text = fixLatinLigatures(text);
            text = fixCharacterWidth(text);
            text = uncurlQuotes(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            text = ANSI_ESCAPE.matcher(text).replaceAll("");
            text = removeControlChars(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(orig)) return text;
        }
    }

    static String fixC1Controls(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80 && c <= 0x9F) {
                if (b == null) b = new StringBuilder(s.substring(0, i));
                b.append(Windows1252.sloppyDecode(c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    static String fixLatinLigatures(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = ligature(c);
            if (r == null) b.append(c); else b.append(r);
        }
        return b.toString();
    }

    private static String ligature(char c) {
        switch (c) {
            case '\u0132': return "IJ";
            case '\u0133': return "ij";
            case '\u0149': return "\u02BCn";
            case '\u01F1': return "DZ";
            case '\u01F2': return "Dz";
            case '\u01F3': return "dz";
            case '\u01C4': return "D\u017D";
            case '\u01C5': return "D\u017E";
            case '\u01C6': return "d\u017E";
            case '\u01C7': return "LJ";
            case '\u01C8': return "Lj";
            case '\u01C9': return "lj";
            case '\u01CA': return "NJ";
            case '\u01CB': return "Nj";
            case '\u01CC': return "nj";
            case '\uFB00': return "ff";
            case '\uFB01': return "fi";
            case '\uFB02': return "fl";
            case '\uFB03': return "ffi";
            case '\uFB04': return "ffl";
            case '\uFB05': return "\u017Ft";
            case '\uFB06': return "st";
            default: return null;
        }
    }

    /** Half- and full-width forms (U+FF01-U+FFEF) to their NFKC form; U+3000 IDEOGRAPHIC SPACE to a space. */
    static String fixCharacterWidth(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u3000') b.append(' ');
            else if (c >= '\uFF01' && c <= '\uFFEF') b.append(Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC));
            else b.append(c);
        }
        return b.toString();
    }

    static String uncurlQuotes(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u02BC' || (c >= '\u2018' && c <= '\u201B')) b.append('\'');
            else if (c >= '\u201C' && c <= '\u201F') b.append('"');
            else b.append(c);
        }
        return b.toString();
    }

    static String fixLineBreaks(String s) {
        return s.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n').replace('\u2029', '\n').replace('\u0085', '\n');
    }

    static String fixSurrogates(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                if (b != null) b.append(c).append(s.charAt(i + 1));
                i++;
            } else if (Character.isSurrogate(c)) {
                if (b == null) b = new StringBuilder(s.substring(0, i));
                b.append('\uFFFD');
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /** ftfy's CONTROL_CHARS: C0 controls but tab/LF/FF/CR, DEL, deprecated format chars, BOM, interlinear annotation, musical format chars, tags. */
    static boolean isRemovedControl(int cp) {
        return cp <= 0x08 || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F
                || (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFC)
                || (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0000 && cp <= 0xE007F);
    }

    static String removeControlChars(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().filter(cp -> !isRemovedControl(cp)).forEach(b::appendCodePoint);
        return b.toString();
    }

    /** Python's {@code str.isspace()} (what {@code re}'s {@code \s} and {@code str.strip()} use). */
    static boolean isPythonSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    /** {@code re.sub(r'\s+', ' ', text).strip()}. */
    static String collapseWhitespace(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean pendingSpace = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (isPythonSpace(cp)) {
                pendingSpace = b.length() > 0;
            } else {
                if (pendingSpace) b.append(' ');
                pendingSpace = false;
                b.appendCodePoint(cp);
            }
        }
        return b.toString();
    }
}
