package dev.groundiff.clip;

import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.Linear;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** transformers' {@code CLIPMLP}: {@code fc1}, activation (quick_gelu x·σ(1.702x) or exact gelu), {@code fc2}. */
final class ClipMlp extends Layer {
    private static final Scalar QUICK_GELU = Tensors.constant(1.702);
    final Linear fc1, fc2;
    private final boolean quickGelu;

    ClipMlp(ParamFactory f, ClipTextConfig c) {
        fc1 = child("fc1", new Linear(f, c.hiddenSize(), c.intermediateSize(), true));
        fc2 = child("fc2", new Linear(f, c.intermediateSize(), c.hiddenSize(), true));
        quickGelu = c.hiddenAct().equals("quick_gelu");
    }

    Tensor forward(Tensor x) {
        Tensor h = fc1.forward(x);
        h = quickGelu ? h.mul(torch.sigmoid(h.mul(QUICK_GELU))) : torch.gelu(h);
        return fc2.forward(h);
    }
}
