package dev.groundiff.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.cli.Main;
import dev.groundiff.diffusion.SdReference;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The bench's plumbing on the tiny sd-reference architecture at small latents; no timing is asserted. */
class BenchPlumbingTest {
    /** surefire runs with GROUNDIFF_THREADS=1; the threading layer is whatever MKL_THREADING_LAYER says (the build sets GNU). */
    private static final String EXPECTED_BLAS = "MKL, 1 thread(s), " + System.getenv().getOrDefault("MKL_THREADING_LAYER", "INTEL") + " threading layer";

    private static final int LATENT = 8;

    @BeforeAll
    static void init() {
        Torch.init();
    }

    private static ModelConfigs tiny() {
        return ModelConfigs.of(SdReference.dir());
    }

    private static String[] cli(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }

    @Test
    void everyCaseRunsInEachDtypeAndReportsItsOutputShape() {
        ModelConfigs c = tiny();
        for (DType t : List.of(DType.FLOAT32, DType.BFLOAT16)) {
            for (BenchCase bc : BenchCase.values()) {
                CaseResult r = CaseRunner.run(bc, t, 2, c, LATENT);
                String expected = switch (bc) {
                    case UNET_64 -> "[2, 4, 8, 8]";
                    case UNET_32 -> "[2, 4, 4, 4]";
                    case TEXT_ENCODER -> "[2, 77, 32]";
                    case TEXT_ENCODER_MATMULS -> "[2, 77, 32]"; // the last layer's fc2
                    case VAE_DECODE -> "[1, 3, 64, 64]"; // 3 upsamplers: 8 -> 64
                };
                assertEquals(expected, r.output(), bc + " " + t);
                assertEquals(t.torchName, r.dtype());
                assertEquals(2, r.seconds().size());
                assertTrue(r.min() > 0 && r.min() <= r.median(), r.toString());
                assertEquals(2, r.cpuSeconds().size());
                assertTrue(r.medianCpu() >= 0, r.toString()); // CPU time ticks in 10 ms steps: a tiny case may read 0
                assertTrue(r.peakRssBytes() > 0, "VmHWM read");
                assertEquals(1, r.threads(), "surefire runs libtorch with GROUNDIFF_THREADS=1");
                assertEquals(EXPECTED_BLAS, r.blas(), "Torch.init loads MKL as the BLAS, as many threads as libtorch");
            }
        }
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        CaseResult r = new CaseResult("unet-64", "float32", List.of(9.0, 6.0, 8.0, 7.0), List.of(18.0, 12.0, 16.0, 14.0), 1, 1L << 30, 1L << 30, true, 2, "MKL, 2 thread(s), GNU threading layer", "[2, 4, 64, 64]");
        assertEquals(7.5, r.median(), 1e-12);
        assertEquals(6.0, r.min(), 1e-12);
        assertEquals(15.0, r.medianCpu(), 1e-12);
        assertEquals(2.0, r.speedUp(BenchCase.UNET_64.reference), 1e-12); // reference 15 s
        String table = BenchTable.format(List.of(r), true);
        assertTrue(table.contains("UNet, batch 2, 64x64 latents") && table.contains("7.50") && table.contains("15.00") && table.contains("2.00x"), table);
        assertTrue(table.contains("peak RSS 5.9 GiB"), table);
        assertEquals(r, CaseResult.fromJsonLine(r.toJsonLine()));
    }

    @Test
    void bundledConfigsAreFullSizeSd15() {
        ModelConfigs c = ModelConfigs.sd15();
        assertTrue(c.standard());
        assertEquals(List.of(320, 640, 1280, 1280), c.unet().blockOutChannels());
        assertEquals(768, c.unet().crossAttentionDim());
        assertEquals(768, c.textEncoder().hiddenSize());
        assertEquals(77, c.textEncoder().maxPositionEmbeddings());
        assertEquals(4, c.vae().latentChannels());
        assertFalse(tiny().standard());
    }

    @Test
    void commandRunsACaseInAChildJvmAndWritesJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        String[] r = cli("bench", "--config-dir", SdReference.dir().toString(), "--latent-size", String.valueOf(LATENT),
                "--case", "text-encoder,vae-decode", "--dtype", "bfloat16", "--repeat", "1", "--json", json.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("CLIP text encoder, batch 2") && r[1].contains("VAE decode"), r[1]);
        assertFalse(r[1].contains("reference:"), "no reference for a tiny model: " + r[1]);
        JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(LATENT, o.get("latent_size").getAsInt());
        assertEquals(2, o.getAsJsonArray("results").size());
        JsonObject first = o.getAsJsonArray("results").get(0).getAsJsonObject();
        assertEquals("text-encoder", first.get("caseName").getAsString());
        assertEquals("bfloat16", first.get("dtype").getAsString());
        assertEquals("[2, 77, 32]", first.get("output").getAsString());
        assertTrue(first.get("peak_rss_gib").getAsDouble() > 0);
        assertEquals(1, first.get("threads").getAsInt(), "the child inherits the environment");
        assertEquals(EXPECTED_BLAS, first.get("blas").getAsString(), "the child makes the same BLAS choice");
        assertFalse(first.has("speed_up"));
        assertEquals("[1, 3, 64, 64]", o.getAsJsonArray("results").get(1).getAsJsonObject().get("output").getAsString());
    }

    @Test
    void badOptionsAreOneLineErrors() {
        String[] r = cli("bench", "--case", "nope");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("unknown bench case 'nope'") && r[2].contains("unet-64"), r[2]);
        r = cli("bench", "--repeat", "0");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--repeat must be at least 1"), r[2]);
        r = cli("bench", "--dtype", "fp8");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--dtype must be float32, bfloat16 or both"), r[2]);
        r = cli("bench", "--config-dir", "/nonexistent-groundiff-dir", "--case", "text-encoder");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("/nonexistent-groundiff-dir"), r[2]);
    }
}
