package dev.groundiff.diffusion.pipeline;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.Collection;

/** Keeping chosen tensors alive past the {@link PointerScope} that frees a step's temporaries. */
final class Scopes {
    private Scopes() {}

    /**
     * Takes one more reference, so the scope's release at close leaves {@code t} alive; the garbage
     * collector frees it later. ({@code PointerScope.detach} would release it at once.)
     */
    static Tensor keep(PointerScope scope, Tensor t) {
        if (t != null) t.retainReference();
        return t;
    }

    static void keepAll(PointerScope scope, Collection<Tensor> ts) {
        for (Tensor t : ts) keep(scope, t);
    }
}
