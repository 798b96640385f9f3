package dev.groundiff.world;

/** An axis-aligned pixel box: columns {@code x0 <= x < x1}, rows {@code y0 <= y < y1}. */
public record Box(int x0, int y0, int x1, int y1) {
    public int width() {
        return x1 - x0;
    }

    public int height() {
        return y1 - y0;
    }

    public boolean contains(int x, int y) {
        return x >= x0 && x < x1 && y >= y0 && y < y1;
    }
}
