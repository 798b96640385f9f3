package dev.groundiff.grounding;

import com.google.gson.JsonObject;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The grounding module against the official class run on the fixture's formula weights and inputs:
 * every tensor in reduced.safetensors (intermediates, logits, loss, all gradients, buffers after a
 * train-mode forward) and the forward outputs of the full-size module, within the README's rule.
 */
class GroundingModuleParityTest {
    /** README: in train mode the true gradient of these biases is 0 (a constant before a batch-statistics norm cancels). */
    static final Set<String> ZERO_GRAD_IN_TRAIN = Set.of(
            "mid_feature_mix_conv.conv1.bias", "high_feature_mix_conv.conv1.bias", "highest_feature_mix_conv.conv1.bias",
            "mid_feature_mix_conv.conv2.bias", "high_feature_mix_conv.conv2.bias");

    @BeforeAll
    static void init() {
        Torch.init();
    }

    /** One run as the fixture did it: train = train() + batch statistics; eval = eval() + running statistics. */
    record Run(GroundingModule module, Map<String, Tensor> trace, Tensor loss, Tensor lossPerClass, Map<String, Tensor> before) {}

    static Run run(GroundingFixture fx, String model, String mode, boolean backward) {
        boolean train = mode.equals("train");
        GroundingModule m = fx.module(model, train ? BatchNormMode.BATCH : BatchNormMode.RUNNING);
        m.train(train);
        Map<String, Tensor> before = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : TorchOrder.stateDict(m).entrySet()) before.put(e.getKey(), e.getValue().clone());
        ReferenceFormula formula = fx.formula();
        Map<String, Tensor> trace = new LinkedHashMap<>();
        Tensor logits = m.forward(formula.features(fx.modelChannels(model)), formula.text(), trace);
        Tensor target = formula.target();
        Tensor perClass = GroundingLoss.perCategory(logits.select(0, 0), target.select(0, 0));
        Tensor loss = perClass.sum();
        if (backward) loss.backward();
        return new Run(m, trace, loss, perClass, before);
    }

    @Test
    void reducedTrainMode() {
        checkReduced("train");
    }

    @Test
    void reducedEvalMode() {
        checkReduced("eval");
    }

    private static void checkReduced(String mode) {
        GroundingFixture fx = new GroundingFixture();
        Run r = run(fx, "reduced", mode, true);
        List<String> report = new ArrayList<>();
        int compared = 0;
        try (SafeTensors ref = SafeTensors.open(fx.dir.resolve("reduced.safetensors"))) {
            assertEquals(Long.toString(fx.seed), ref.metadata().get("seed"), "fixture seed");
            Map<String, Tensor> params = r.module.namedParameters();
            Map<String, Tensor> state = TorchOrder.stateDict(r.module);
            for (String name : ref.entries().keySet()) {
                Tensor expected = ref.get(name);
                Tensor actual;
                String local;
                if (name.startsWith("conv1x1.")) {
                    actual = r.trace.get(name);
                } else if (name.startsWith(mode + ".grad.")) {
                    String key = name.substring((mode + ".grad.").length());
                    actual = params.get(key).grad();
                    if (mode.equals("train") && ZERO_GRAD_IN_TRAIN.contains(key)) {
                        double g = Tensors.maxAbs(actual);
                        assertTrue(g <= GroundingFixture.ZERO_GRAD_ABS, name + ": |g| = " + g + " should be ~0");
                        compared++;
                        continue;
                    }
                } else if (name.startsWith(mode + ".state_after.")) {
                    actual = state.get(name.substring((mode + ".state_after.").length()));
                } else if (name.startsWith(mode + ".")) {
                    local = name.substring(mode.length() + 1);
                    actual = r.trace.get(local);
                } else {
                    continue; // the other mode
                }
                assertTrue(actual != null, "no Java tensor for " + name);
                double rel = GroundingFixture.assertClose(name, actual, expected);
                report.add(String.format("%s %.2e", name, rel));
                compared++;
            }
        }
        JsonObject summary = fx.model("reduced").getAsJsonObject(mode);
        double loss = summary.get("loss").getAsDouble();
        assertEquals(loss, r.loss.item_double(), GroundingFixture.LOSS_REL * Math.abs(loss), mode + " loss");
        var perClass = summary.getAsJsonArray("loss_per_class");
        for (int n = 0; n < perClass.size(); n++) {
            double l = perClass.get(n).getAsDouble();
            assertEquals(l, r.lossPerClass.get(n).item_double(), GroundingFixture.LOSS_REL * Math.abs(l), mode + " loss of class " + n);
        }
        if (mode.equals("eval")) {
            // eval mode leaves every buffer unchanged
            for (Map.Entry<String, Tensor> e : TorchOrder.stateDict(r.module).entrySet()) {
                assertTrue(torch.equal(e.getValue(), r.before.get(e.getKey())), e.getKey() + " changed in eval mode");
            }
        }
        int expectedCount = mode.equals("train") ? 4 + 12 + 90 - 24 + 24 : 4 + 12 + 66;
        assertEquals(expectedCount, compared, "tensors compared");
        System.out.println("reduced " + mode + ": worst max|a-b|/max|ref| = " + report.stream()
                .max((a, b) -> Double.compare(Double.parseDouble(a.substring(a.lastIndexOf(' ') + 1)), Double.parseDouble(b.substring(b.lastIndexOf(' ') + 1))))
                .orElse("-"));
    }
}
