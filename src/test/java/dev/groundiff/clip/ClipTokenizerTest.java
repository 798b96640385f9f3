package dev.groundiff.clip;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ClipTokenizerTest {
    static ClipTokenizer standard;
    static ClipTokenizer loaded;
    static Path dir;

    @BeforeAll
    static void setUp() {
        Torch.init();
        dir = Fixtures.dir("clip-tokenizer");
        standard = ClipTokenizer.standard();
        loaded = ClipTokenizer.load(dir.resolve("tokenizer"));
    }

    static JsonObject json(Path p) throws IOException {
        return JsonParser.parseString(Files.readString(p, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsLong();
        return out;
    }

    @Test
    void standardVocabularyEqualsTheFixtureFiles() throws IOException {
        JsonObject vocab = json(dir.resolve("tokenizer/vocab.json"));
        assertEquals(49408, vocab.size());
        assertEquals(vocab.size(), standard.vocab().size());
        for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
            assertEquals(e.getValue().getAsInt(), standard.vocab().get(e.getKey()), "id of '" + e.getKey() + "'");
        }
        List<String> lines = Files.readAllLines(dir.resolve("tokenizer/merges.txt"), StandardCharsets.UTF_8);
        assertEquals("#version: 0.2", lines.get(0));
        List<String> merges = new ArrayList<>(lines.subList(1, lines.size()));
        merges.removeIf(String::isEmpty);
        assertEquals(48894, merges.size());
        assertEquals(merges, standard.merges());
        assertEquals(standard.vocab(), loaded.vocab());
        assertEquals(standard.merges(), loaded.merges());
        assertEquals(ClipTokenizer.BOS, standard.vocab().get(ClipTokenizer.BOS_TOKEN));
        assertEquals(ClipTokenizer.EOS, standard.vocab().get(ClipTokenizer.EOS_TOKEN));
    }

    @Test
    void everyTokenizationCaseMatches() throws IOException {
        JsonArray cases = json(dir.resolve("tokenization_cases.json")).getAsJsonArray("cases");
        assertEquals(40, cases.size());
        List<String> failures = new ArrayList<>();
        for (ClipTokenizer tok : List.of(standard, loaded)) {
            for (JsonElement el : cases) {
                JsonObject c = el.getAsJsonObject();
                String prompt = c.get("prompt").getAsString();
                ClipTokenizer.Tokenized t = tok.tokenize(prompt);
                List<String> tokens = new ArrayList<>();
                for (JsonElement s : c.getAsJsonArray("tokens")) tokens.add(s.getAsString());
                boolean ok = java.util.Arrays.equals(longs(c.getAsJsonArray("input_ids")), t.ids())
                        && tokens.equals(t.tokens())
                        && c.get("num_tokens_untruncated").getAsInt() == t.numTokensUntruncated()
                        && c.get("truncated").getAsBoolean() == t.truncated()
                        && c.get("eot_index").getAsInt() == t.eotIndex();
                if (!ok) failures.add(prompt + " -> " + t.tokens());
                // bpe()/encode() are the body of tokenize() without the specials.
                assertEquals(t.tokens().subList(1, t.tokens().size() - 1), tok.bpe(prompt));
                assertEquals(t.numTokensUntruncated() - 2, tok.encode(prompt).length);
            }
        }
        assertTrue(failures.isEmpty(), "cases that differ: " + failures);
    }

    @Test
    void everyPromptToIdsEntryMatches() throws IOException {
        JsonObject map = json(dir.resolve("prompt_to_ids.json"));
        assertEquals(40, map.size());
        List<String> prompts = new ArrayList<>(map.keySet());
        for (String p : prompts) {
            assertArrayEquals(longs(map.getAsJsonArray(p)), standard.tokenize(p).ids(), p);
        }
        Tensor batch = standard.batch(prompts);
        assertArrayEquals(new long[] {prompts.size(), 77}, Tensors.shape(batch));
        long[] flat = Tensors.toLongs(batch);
        long[] last = longs(map.getAsJsonArray(prompts.get(prompts.size() - 1)));
        assertArrayEquals(last, java.util.Arrays.copyOfRange(flat, flat.length - 77, flat.length));
    }

    @Test
    void truncationKeepsTheFirst75TokensAndEndsWithEos() {
        String prompt = "a ".repeat(80);
        ClipTokenizer.Tokenized t = standard.tokenize(prompt);
        assertTrue(t.truncated());
        assertEquals(82, t.numTokensUntruncated());
        assertEquals(ClipTokenizer.BOS, t.ids()[0]);
        for (int i = 1; i <= 75; i++) assertEquals(320, t.ids()[i]);
        assertEquals(ClipTokenizer.EOS, t.ids()[76]);
        assertEquals(76, t.eotIndex());
        assertFalse(standard.tokenize("a ".repeat(75)).truncated());
    }

    @Test
    void normalizerFollowsFtfyAndHtmlUnescape() {
        assertEquals("it's \"quoted\" fine", ClipTextNormalizer.normalize("It’s “quoted” ﬁne"));
        assertEquals("abc 123", ClipTextNormalizer.normalize("ＡＢＣ\u3000１２３"));
        assertEquals("fish & chips <3", ClipTextNormalizer.normalize("fish &amp; chips &lt;3"));
        // Python html.unescape twice: &amp;lt; -> &lt; -> <; legacy names without ';'; numeric forms.
        assertEquals("< © é €", ClipTextNormalizer.normalize("&amp;lt; &copy &#233; &#x80;"));
        // With a literal '<' ftfy keeps references, the later html.unescape still decodes them (not uncurled then).
        assertEquals("<b> \u2019", ClipTextNormalizer.normalize("<b> &rsquo;"));
        assertEquals("a b", ClipTextNormalizer.normalize("\u0007a\u00a0\u2003 b\ufeff"));
        assertEquals("\u00e9", ClipTextNormalizer.normalize("e\u0301"));
        assertEquals("&unknownentity;", ClipTextNormalizer.normalize("&unknownentity;"));
    }

    @Test
    void loadReportsMissingOrBrokenFiles(@TempDir Path tmp) throws IOException {
        GroundiffException e = assertThrows(GroundiffException.class, () -> ClipTokenizer.load(tmp));
        assertTrue(e.getMessage().contains("vocab.json"), e.getMessage());
        Files.writeString(tmp.resolve("vocab.json"), "{\"a\": \"x\"}");
        Files.writeString(tmp.resolve("merges.txt"), "#version: 0.2\n");
        e = assertThrows(GroundiffException.class, () -> ClipTokenizer.load(tmp));
        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
        Files.writeString(tmp.resolve("vocab.json"), "{\"a\": 1}");
        e = assertThrows(GroundiffException.class, () -> ClipTokenizer.load(tmp));
        assertTrue(e.getMessage().contains("<|startoftext|>"), e.getMessage());
    }
}
