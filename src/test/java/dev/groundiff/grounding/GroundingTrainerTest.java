package dev.groundiff.grounding;

import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Training on a small random-feature task: category c's mask is where the conditional half of the
 * highest tap's channel c is positive, and its query is a fixed one-hot-like vector; the module must
 * learn which channel each query selects.
 */
class GroundingTrainerTest {
    /** Narrow widths and small maps so that hundreds of steps take seconds. */
    static final GroundingConfig TINY = new GroundingConfig(8, 8, 8, 8, 4, 4, 4, 4, 16, 4, 16, 2, 2, 32, 8, 32);
    static final int CATEGORIES = 4;

    private static int threads;

    /** Tiny tensors: one thread avoids OpenMP hand-offs that cost more than the work on a shared machine (restored after). */
    @BeforeAll
    static void init() {
        Torch.init();
        threads = torch.get_num_threads();
        Torch.setThreads(1);
    }

    @org.junit.jupiter.api.AfterAll
    static void restoreThreads() {
        Torch.setThreads(threads);
    }

    static Tensor randn(Generator rng, long... shape) {
        return torch.randn(shape, new GeneratorOptional(rng), Tensors.options(torch.ScalarType.Float));
    }

    /** Draws features and two categories with the trainer's RNG; {@code missed} categories get a null target. */
    static TrainingSource source(java.util.function.LongPredicate missedFirst) {
        float[] q = new float[CATEGORIES * 8];
        for (int c = 0; c < CATEGORIES; c++) q[c * 8 + c] = 1;
        Tensor queryTable = Tensors.fromFloats(q, CATEGORIES, 8);
        return (index, rng) -> {
            Map<String, List<Tensor>> f = new LinkedHashMap<>();
            f.put("low", List.of(randn(rng, 2, 4, 2, 2)));
            f.put("mid", List.of(randn(rng, 2, 4, 4, 4)));
            f.put("high", List.of(randn(rng, 2, 4, 8, 8)));
            Tensor highest = randn(rng, 2, 4, 16, 16);
            f.put("highest", List.of(highest));
            long[] cats = {index % CATEGORIES, (index / CATEGORIES + index + 1) % CATEGORIES};
            Tensor queries = torch.stack(new org.bytedeco.pytorch.TensorVector(queryTable.select(0, cats[0]), queryTable.select(0, cats[1])), 0);
            List<Tensor> targets = new ArrayList<>();
            for (int n = 0; n < 2; n++) {
                Tensor cond = highest.select(0, 1).select(0, cats[n]).unsqueeze(0).unsqueeze(0);
                Tensor mask = torch.upsample_bilinear2d(cond, new long[] {32, 32}, false).squeeze().gt(Tensors.scalar(0)).to(torch.ScalarType.Float);
                targets.add(n == 0 && missedFirst.test(index) ? null : mask);
            }
            return new TrainingExample(f, queries, targets);
        };
    }

    static GroundingTrainer.Options options(long steps) {
        return GroundingTrainer.Options.defaults(steps).withLearningRate(3e-3).withBatch(2, 1).withProgress(false);
    }

    @Test
    void lossFallsWithin200Steps(@TempDir Path dir) throws Exception {
        GroundingTrainer t = new GroundingTrainer(new GroundingModule(TINY, ParamFactory.random(7)), options(200), dir);
        List<GroundingTrainer.StepResult> r = t.train(source(i -> false));
        assertEquals(200, r.size());
        double first = r.subList(0, 20).stream().mapToDouble(GroundingTrainer.StepResult::loss).average().orElseThrow();
        double last = r.subList(180, 200).stream().mapToDouble(GroundingTrainer.StepResult::loss).average().orElseThrow();
        System.out.printf("trainer smoke: mean loss steps 1-20 %.4f, steps 181-200 %.4f%n", first, last);
        assertTrue(last < 0.6 * first, "loss should fall clearly: " + first + " -> " + last);
        List<String> csv = Files.readAllLines(dir.resolve(GroundingTrainer.LOSS_FILE));
        assertEquals("step,loss,images,categories", csv.get(0));
        assertEquals(201, csv.size());
        assertTrue(csv.get(200).startsWith("200,"));
        assertTrue(Files.exists(dir.resolve(GroundingTrainer.WEIGHTS_FILE)));
        assertEquals(TINY, GroundingConfig.read(dir.resolve(GroundingTrainer.CONFIG_FILE)));
        assertEquals(TINY, GroundingCheckpoint.load(dir.resolve(GroundingTrainer.WEIGHTS_FILE), BatchNormMode.BATCH).config());
    }

    @Test
    void resumedRunIsBitIdenticalToAnUninterruptedOne(@TempDir Path dir) throws Exception {
        GroundingTrainer.Options o = options(6).withBatch(2, 2).withCheckpointEvery(4);
        TrainingSource src = source(i -> i % 5 == 3);

        GroundingTrainer a = new GroundingTrainer(new GroundingModule(TINY, ParamFactory.random(3)), o, dir.resolve("a"));
        a.train(src);

        GroundingTrainer b = new GroundingTrainer(new GroundingModule(TINY, ParamFactory.random(3)), o.withTotalSteps(3), dir.resolve("b"));
        b.train(src);
        GroundingTrainer resumed = GroundingTrainer.resume(o, dir.resolve("b"));
        assertEquals(3, resumed.step());
        resumed.train(src);

        assertEquals(6, resumed.step());
        assertEquals(a.optimizer().stepCount(), resumed.optimizer().stepCount());
        assertBitEqual(a.module().stateDict(), resumed.module().stateDict(), "weights and buffers");
        assertBitEqual(a.optimizer().state(), resumed.optimizer().state(), "Adam moments");
        assertEquals(Files.readAllLines(dir.resolve("a").resolve(GroundingTrainer.LOSS_FILE)),
                Files.readAllLines(dir.resolve("b").resolve(GroundingTrainer.LOSS_FILE)), "loss log");
        // and training really moved the weights
        GroundingModule init = new GroundingModule(TINY, ParamFactory.random(3));
        assertFalse(torch.equal(init.stateDict().get("to_q.weight"), a.module().stateDict().get("to_q.weight")));
    }

    static void assertBitEqual(Map<String, Tensor> x, Map<String, Tensor> y, String what) {
        assertEquals(x.keySet(), y.keySet(), what);
        for (String k : x.keySet()) {
            assertArrayEquals(Tensors.toBytes(x.get(k)), Tensors.toBytes(y.get(k)), what + ": " + k);
        }
    }

    @Test
    void missedCategoriesContributeNothingUnlessNormalTraining(@TempDir Path dir) {
        // example 0: first category missed; example 1: all categories present
        TrainingSource src = source(i -> i == 0);
        for (boolean zeroMasks : new boolean[] {false, true}) {
            GroundingModule m = new GroundingModule(TINY, ParamFactory.random(11));
            GroundingModule replica = new GroundingModule(TINY, ParamFactory.uninitialized());
            StateDict.load(replica, m.stateDict(), "copy");
            GroundingTrainer t = new GroundingTrainer(m, options(1).withBatch(1, 1).withZeroMasksForMissed(zeroMasks), dir);
            m.train(true);
            GroundingTrainer.StepResult r = t.trainStep(src);
            assertEquals(zeroMasks ? 2 : 1, r.categories());

            // the same gradient by hand: the regenerated example, only the terms that count
            TrainingExample ex = src.next(0, torch.createCPUGenerator(0));
            replica.train(true);
            Tensor logits = replica.forward(ex.features(), List.of(ex.queries())).get(0);
            Tensor loss = GroundingLoss.bce(logits.select(0, 1), ex.targets().get(1));
            if (zeroMasks) loss = loss.add(GroundingLoss.bce(logits.select(0, 0), torch.zeros_like(logits.select(0, 0))));
            assertEquals(loss.item_double(), r.loss(), 1e-6 * loss.item_double());
            loss.backward();
            Map<String, Tensor> want = replica.namedParameters();
            Map<String, Tensor> got = m.namedParameters();
            for (String k : want.keySet()) {
                GroundingFixture.assertClose("grad " + k + (zeroMasks ? " (normal)" : " (without zero masks)"), got.get(k).grad(), want.get(k).grad());
            }
        }
    }

    @Test
    void aStepWithoutAnyTargetMakesNoUpdate(@TempDir Path dir) {
        TrainingSource none = (index, rng) -> {
            TrainingExample ex = source(i -> false).next(index, rng);
            return new TrainingExample(ex.features(), ex.queries(), Arrays.asList(null, null));
        };
        GroundingModule m = new GroundingModule(TINY, ParamFactory.random(5));
        Tensor before = m.stateDict().get("to_q.weight").clone();
        GroundingTrainer t = new GroundingTrainer(m, options(1).withBatch(2, 1), dir);
        GroundingTrainer.StepResult r = t.trainStep(none);
        assertFalse(r.updated());
        assertEquals(0, r.images(), "images with no target are left out");
        assertEquals(0, t.optimizer().stepCount());
        assertTrue(torch.equal(before, m.stateDict().get("to_q.weight")));
    }
}
