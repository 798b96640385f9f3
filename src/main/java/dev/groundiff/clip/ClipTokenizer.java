package dev.groundiff.clip;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * CLIP's byte-level BPE tokenizer, wrapped the Stable Diffusion v1.x way:
 * {@code [BOS] + bpe_ids[:75] + [EOS]}, padded with EOS to 77 ids.
 *
 * <p>Text goes through {@link ClipTextNormalizer} (ftfy subset, HTML unescape, whitespace, lower-case), is split
 * by CLIP's pre-tokenizer pattern, each piece's UTF-8 bytes are mapped to GPT-2's printable byte symbols and
 * merged by rank. Thread-safe; the per-word BPE cache is per instance.
 */
public final class ClipTokenizer {
    public static final int BOS = 49406;
    public static final int EOS = 49407;
    public static final int MAX_LENGTH = 77;
    public static final String BOS_TOKEN = "<|startoftext|>";
    public static final String EOS_TOKEN = "<|endoftext|>";
    private static final String END_OF_WORD = "</w>";
    /** openai/CLIP: merges are lines 1 .. 49152-256-2 of the gzip'd vocabulary file. */
    private static final int STANDARD_MERGES = 49152 - 256 - 2;
    private static final String STANDARD_RESOURCE = "bpe_simple_vocab_16e6.txt.gz";

    /** openai/CLIP's pre-tokenizer (the input is already lower-case). */
    private static final Pattern PIECES = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** SD tokenization result. {@code tokens} are the untruncated BPE strings including BOS and EOS. */
    public record Tokenized(long[] ids, List<String> tokens, int numTokensUntruncated, boolean truncated, int eotIndex) {}

    private final Map<String, Integer> encoder;
    private final List<String> merges;
    private final Map<String, Integer> ranks;
    private final int bosId;
    private final int eosId;
    private final Map<String, String[]> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(Map<String, Integer> encoder, List<String> merges, String source) {
        this.encoder = Collections.unmodifiableMap(encoder);
        this.merges = Collections.unmodifiableList(merges);
        this.ranks = new HashMap<>(merges.size() * 2);
        for (int i = 0; i < merges.size(); i++) ranks.putIfAbsent(merges.get(i), i);
        Integer bos = encoder.get(BOS_TOKEN), eos = encoder.get(EOS_TOKEN);
        if (bos == null || eos == null) {
            throw new GroundiffException(source + ": the vocabulary lacks " + (bos == null ? BOS_TOKEN : EOS_TOKEN));
        }
        this.bosId = bos;
        this.eosId = eos;
        for (char c : ByteSymbols.IN_VOCAB_ORDER) {
            if (!encoder.containsKey(String.valueOf(c)) || !encoder.containsKey(c + END_OF_WORD)) {
                throw new GroundiffException(source + ": the vocabulary lacks the byte symbol '" + c + "' (not a CLIP byte-level BPE vocabulary)");
            }
        }
        cache.put(BOS_TOKEN, new String[] {BOS_TOKEN});
        cache.put(EOS_TOKEN, new String[] {EOS_TOKEN});
    }

    /** The tokenizer from a diffusers {@code tokenizer/} folder ({@code vocab.json} + {@code merges.txt}). */
    public static ClipTokenizer load(Path dir) {
        Path vocabFile = dir.resolve("vocab.json"), mergesFile = dir.resolve("merges.txt");
        Map<String, Integer> vocab = new LinkedHashMap<>();
        try {
            JsonElement root = JsonParser.parseString(Files.readString(vocabFile, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) throw new GroundiffException(vocabFile + ": expected a JSON object token -> id");
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
                if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isNumber()) {
                    throw new GroundiffException(vocabFile + ": the id of token '" + e.getKey() + "' is not a number");
                }
                vocab.put(e.getKey(), e.getValue().getAsInt());
            }
        } catch (NoSuchFileException e) {
            throw new GroundiffException(vocabFile + ": no such file");
        } catch (IOException | JsonParseException e) {
            throw new GroundiffException(vocabFile + ": cannot read: " + e.getMessage(), e);
        }
        List<String> merges = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(mergesFile, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) continue;
                merges.add(parseMerge(line, mergesFile + " line " + (i + 1)));
            }
        } catch (NoSuchFileException e) {
            throw new GroundiffException(mergesFile + ": no such file");
        } catch (IOException e) {
            throw new GroundiffException(mergesFile + ": cannot read: " + e.getMessage(), e);
        }
        return new ClipTokenizer(vocab, merges, dir.toString());
    }

    /** CLIP's standard vocabulary, derived from openai's {@code bpe_simple_vocab_16e6.txt.gz} shipped in the jar. */
    public static ClipTokenizer standard() {
        String text;
        try (InputStream raw = ClipTokenizer.class.getResourceAsStream(STANDARD_RESOURCE)) {
            if (raw == null) throw new IllegalStateException("resource dev/groundiff/clip/" + STANDARD_RESOURCE + " is missing");
            try (GZIPInputStream in = new GZIPInputStream(raw)) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                in.transferTo(buf);
                text = buf.toString(StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + STANDARD_RESOURCE + ": " + e.getMessage(), e);
        }
        String[] lines = text.split("\n", -1);
        List<String> merges = new ArrayList<>(STANDARD_MERGES);
        for (int i = 1; i <= STANDARD_MERGES; i++) merges.add(parseMerge(lines[i], STANDARD_RESOURCE + " line " + (i + 1)));
        // openai's order: the 256 byte symbols, the same with </w>, one token per merge, then the two specials.
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (char c : ByteSymbols.IN_VOCAB_ORDER) vocab.put(String.valueOf(c), vocab.size());
        for (char c : ByteSymbols.IN_VOCAB_ORDER) vocab.put(c + END_OF_WORD, vocab.size());
        for (String m : merges) vocab.put(m.replace(" ", ""), vocab.size());
        vocab.put(BOS_TOKEN, vocab.size());
        vocab.put(EOS_TOKEN, vocab.size());
        return new ClipTokenizer(vocab, merges, STANDARD_RESOURCE);
    }

    private static String parseMerge(String line, String where) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length != 2) throw new GroundiffException(where + ": expected two symbols, got '" + line + "'");
        return parts[0] + " " + parts[1];
    }

    /** token -> id (unmodifiable). */
    public Map<String, Integer> vocab() {
        return encoder;
    }

    /** The merges in rank order, each as {@code "first second"} (unmodifiable). */
    public List<String> merges() {
        return merges;
    }

    /** The BPE token strings of {@code text}, without BOS/EOS. */
    public List<String> bpe(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = PIECES.matcher(ClipTextNormalizer.normalize(text));
        while (m.find()) Collections.addAll(out, cache.computeIfAbsent(m.group(), this::bpeWord));
        return out;
    }

    /** The token ids of {@code text}, without BOS/EOS. */
    public int[] encode(String text) {
        List<String> tokens = bpe(text);
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = id(tokens.get(i));
        return ids;
    }

    private int id(String token) {
        Integer id = encoder.get(token);
        if (id == null) throw new IllegalStateException("BPE produced '" + token + "', which is not in the vocabulary");
        return id;
    }

    /** The SD v1.x input ids of one prompt, with what truncation dropped. */
    public Tokenized tokenize(String prompt) {
        List<String> tokens = new ArrayList<>();
        tokens.add(BOS_TOKEN);
        tokens.addAll(bpe(prompt));
        tokens.add(EOS_TOKEN);
        long[] ids = new long[MAX_LENGTH];
        Arrays.fill(ids, eosId);
        int body = Math.min(tokens.size() - 2, MAX_LENGTH - 2);
        ids[0] = bosId;
        for (int i = 0; i < body; i++) ids[i + 1] = id(tokens.get(i + 1));
        int eot = 0;
        while (ids[eot] != eosId) eot++;
        return new Tokenized(ids, Collections.unmodifiableList(tokens), tokens.size(), tokens.size() > MAX_LENGTH, eot);
    }

    /** int64 [prompts, 77]: the SD v1.x input ids of each prompt. */
    public Tensor batch(List<String> prompts) {
        long[] all = new long[prompts.size() * MAX_LENGTH];
        for (int i = 0; i < prompts.size(); i++) System.arraycopy(tokenize(prompts.get(i)).ids(), 0, all, i * MAX_LENGTH, MAX_LENGTH);
        return Tensors.fromLongs(all, prompts.size(), MAX_LENGTH);
    }

    /** Byte-pair merges of one pre-tokenized piece, the last symbol marked with {@code </w>}. */
    private String[] bpeWord(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        List<String> word = new ArrayList<>(bytes.length);
        for (byte b : bytes) word.add(String.valueOf(ByteSymbols.BY_BYTE[b & 0xFF]));
        word.set(word.size() - 1, word.get(word.size() - 1) + END_OF_WORD);
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null, second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) break;
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); ) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(word.get(i));
                    i++;
                }
            }
            word = merged;
        }
        return word.toArray(new String[0]);
    }

    /** GPT-2's reversible map from the 256 byte values to printable characters. */
    static final class ByteSymbols {
        /** BY_BYTE[b] = the character standing for byte b. */
        static final char[] BY_BYTE = new char[256];
        /** The symbols in openai's vocabulary order (printable bytes first, then the remapped ones). */
        static final char[] IN_VOCAB_ORDER = new char[256];

        static {
            boolean[] printable = new boolean[256];
            int k = 0;
            for (int b = 0; b < 256; b++) {
                if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
                    printable[b] = true;
                    BY_BYTE[b] = (char) b;
                    IN_VOCAB_ORDER[k++] = (char) b;
                }
            }
            int n = 0;
            for (int b = 0; b < 256; b++) {
                if (!printable[b]) {
                    BY_BYTE[b] = (char) (256 + n++);
                    IN_VOCAB_ORDER[k++] = BY_BYTE[b];
                }
            }
        }

        private ByteSymbols() {}
    }
}
