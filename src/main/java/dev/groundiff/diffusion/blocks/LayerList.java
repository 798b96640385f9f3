package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.nn.Layer;
import org.bytedeco.pytorch.Module;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/** {@code torch.nn.ModuleList}: children registered as {@code 0, 1, ...}, so keys read {@code resnets.0.conv1.weight}. */
public final class LayerList<M extends Module> extends Layer implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    public M add(M m) {
        child(Integer.toString(items.size()), m);
        items.add(m);
        return m;
    }

    public M get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }

    public List<M> items() {
        return Collections.unmodifiableList(items);
    }

    @Override
    public Iterator<M> iterator() {
        return items().iterator();
    }
}
