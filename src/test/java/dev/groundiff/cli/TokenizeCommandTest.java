package dev.groundiff.cli;

import dev.groundiff.testing.Fixtures;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

class TokenizeCommandTest {
    private static String[] run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }

    @Test
    void printsTheIdsAsOneJsonLine() {
        String[] r = run("tokenize", "--text", "a photograph of a dog and a cat");
        assertEquals("0", r[0]);
        String expected = "[49406,320,8853,539,320,1929,537,320,2368" + ",49407".repeat(77 - 9) + "]";
        assertEquals(expected + System.lineSeparator(), r[1]);
        assertEquals("", r[2]);
    }

    @Test
    void warnsWhenTruncatedAndReadsATokenizerFolder() {
        String dir = Fixtures.dir("clip-tokenizer").resolve("tokenizer").toString();
        String[] r = run("tokenize", "--text", "the ".repeat(80), "--tokenizer", dir);
        assertEquals("0", r[0]);
        assertTrue(r[1].startsWith("[49406,518,") && r[1].trim().endsWith(",518,49407]"), r[1]);
        assertTrue(r[2].contains("warning") && r[2].contains("80 tokens"), r[2]);
    }

    @Test
    void missingTokenizerFolderIsAUserError() {
        String[] r = run("tokenize", "--text", "x", "--tokenizer", "/nonexistent/tok");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("vocab.json"), r[2]);
    }
}
