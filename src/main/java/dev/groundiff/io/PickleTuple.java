package dev.groundiff.io;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/** A Python tuple: an immutable list, told apart from a Python list (an {@link java.util.ArrayList}). */
public final class PickleTuple extends AbstractList<Object> implements RandomAccess {
    static final PickleTuple EMPTY = new PickleTuple(new Object[0]);
    private final Object[] items;
    private int hash; // cached: a hostile pickle may use one huge tuple as a key many times

    PickleTuple(Object[] items) {
        this.items = items;
    }

    static PickleTuple of(List<Object> items) {
        return new PickleTuple(items.toArray());
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(items) | 1;
            hash = h;
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof PickleTuple t && Arrays.equals(items, t.items));
    }
}
