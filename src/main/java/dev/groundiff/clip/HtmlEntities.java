package dev.groundiff.clip;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTML character references, decoded the two ways the CLIP text cleaning needs:
 * {@link #unescape} follows Python's {@code html.unescape} (numeric references with its replacement rules,
 * named ones with or without ';', longest legacy prefix), {@link #unescapeStrict} follows ftfy's
 * {@code unescape_html} (only complete {@code &name;} / {@code &#N;} references, plus upper-cased names such
 * as {@code &NTILDE;}).
 *
 * <p>The name table ({@code html_entities.tsv}) holds the HTML 4 names, {@code &apos;} and their upper-case
 * legacy aliases, not the 2231 HTML5 names: references outside it are left as written.
 */
final class HtmlEntities {
    private static final Pattern PYTHON_CHARREF = Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
    private static final Pattern FTFY_ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");

    /** Name (with ';' where the table has it) to text. */
    private final Map<String, String> names = new HashMap<>();
    /** ftfy's table: "&name;" and the upper-cased variants of lower-case names. */
    private final Map<String, String> strict = new HashMap<>();

    static final HtmlEntities INSTANCE = new HtmlEntities();

    private HtmlEntities() {
        try (InputStream in = HtmlEntities.class.getResourceAsStream("html_entities.tsv")) {
            if (in == null) throw new IllegalStateException("resource dev/groundiff/clip/html_entities.tsv is missing");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty() || line.startsWith("#")) continue;
                String[] parts = line.split("\t");
                StringBuilder value = new StringBuilder();
                for (String cp : parts[1].split(" ")) value.appendCodePoint(Integer.parseInt(cp, 16));
                names.put(parts[0], value.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Map.Entry<String, String> e : names.entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(";")) continue;
            strict.put("&" + name, e.getValue());
        }
        for (Map.Entry<String, String> e : names.entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(";") || !name.equals(name.toLowerCase(Locale.ROOT))) continue;
            String upper = "&" + name.toUpperCase(Locale.ROOT);
            // Only where the upper-case spelling is not itself a reference (so &AMP; keeps its own meaning).
            if (unescape(upper).equals(upper)) strict.put(upper, e.getValue().toUpperCase(Locale.ROOT));
        }
    }

    /** Python's {@code html.unescape}. */
    String unescape(String s) {
        if (s.indexOf('&') < 0) return s;
        Matcher m = PYTHON_CHARREF.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(replace(m.group(1))));
        m.appendTail(out);
        return out.toString();
    }

    private String replace(String ref) {
        if (ref.charAt(0) == '#') {
            boolean hex = ref.length() > 1 && (ref.charAt(1) == 'x' || ref.charAt(1) == 'X');
            String digits = ref.substring(hex ? 2 : 1);
            if (digits.endsWith(";")) digits = digits.substring(0, digits.length() - 1);
            BigInteger big = new BigInteger(digits, hex ? 16 : 10);
            if (big.compareTo(BigInteger.valueOf(0x10FFFF)) > 0) return "\uFFFD";
            int num = big.intValue();
            if (num == 0) return "\uFFFD";
            if (num == 0x0D) return "\r";
            if (num >= 0x80 && num <= 0x9F) return String.valueOf(Windows1252.sloppyDecode(num));
            if (num >= 0xD800 && num <= 0xDFFF) return "\uFFFD";
            if (isInvalidCodePoint(num)) return "";
            return new String(Character.toChars(num));
        }
        String exact = names.get(ref);
        if (exact != null) return exact;
        for (int x = ref.length() - 1; x > 1; x--) {
            String v = names.get(ref.substring(0, x));
            if (v != null) return v + ref.substring(x);
        }
        return "&" + ref;
    }

    /** Python's {@code html._invalid_codepoints} (after the 0x80-0x9F and 0x0D special cases). */
    private static boolean isInvalidCodePoint(int n) {
        return (n >= 0x1 && n <= 0x8) || n == 0xB || (n >= 0xE && n <= 0x1F) || (n >= 0x7F && n <= 0x9F)
                || (n >= 0xFDD0 && n <= 0xFDEF) || (n & 0xFFFE) == 0xFFFE;
    }

    /** ftfy's {@code unescape_html}: only whole references ending in ';' are replaced. */
    String unescapeStrict(String s) {
        if (s.indexOf('&') < 0) return s;
        Matcher m = FTFY_ENTITY.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) {
            String ref = m.group();
            String v = strict.get(ref);
            if (v == null && ref.startsWith("&#")) {
                String u = unescape(ref);
                v = u.contains(";") ? ref : u;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v == null ? ref : v));
        }
        m.appendTail(out);
        return out.toString();
    }
}
