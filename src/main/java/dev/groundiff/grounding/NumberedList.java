package dev.groundiff.grounding;

import dev.groundiff.torch.nn.Layer;
import org.bytedeco.pytorch.Module;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** {@code nn.ModuleList} / {@code nn.Sequential}: children named 0, 1, 2, ... */
final class NumberedList<M extends Module> extends Layer {
    private final List<M> items = new ArrayList<>();

    M add(M m) {
        child(Integer.toString(items.size()), m);
        items.add(m);
        return m;
    }

    List<M> items() {
        return Collections.unmodifiableList(items);
    }
}
