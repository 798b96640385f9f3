package dev.groundiff.world.gen;

import dev.groundiff.GroundiffException;

/**
 * The end of a generative run's learning-rate schedule: over steps {@code start+1 .. end} the rate falls
 * linearly from the full rate to {@code 1/n} of it, {@code n = end-start} (step {@code start+k} gets
 * {@code (n-k+1)/n}, as torch's {@code LinearLR} to zero), so no step is spent at rate zero.
 * It is kept out of the recipe string because a run is the same run up to {@code start} with or without
 * it: a finished constant-rate run can be annealed later by resuming it with a decay that starts after
 * its last step, and ends with the same weights as a run that had the decay from the start.
 */
public record LrDecay(int start, int end) {
    /** No decay: the rate stays constant after warm-up. */
    public static final LrDecay NONE = new LrDecay(Integer.MAX_VALUE, Integer.MAX_VALUE);

    public LrDecay {
        if (start < 0 || end < start || (start == end && start != Integer.MAX_VALUE)) {
            throw new GroundiffException("learning-rate decay needs 0 <= start < end, got steps " + start + ".." + end);
        }
    }

    /** A decay over the last {@code decaySteps} of {@code steps} (0: {@link #NONE}). */
    public static LrDecay lastSteps(int steps, int decaySteps) {
        if (decaySteps == 0) return NONE;
        if (decaySteps < 2 || decaySteps > steps) { // one step of decay would run at the full rate: no decay at all
            throw new GroundiffException("--decay-steps must be 0 (none) or between 2 and --steps (" + steps + "), got " + decaySteps);
        }
        return new LrDecay(steps - decaySteps, steps);
    }

    /** The factor on step {@code s}'s (1-based) learning rate. */
    public double factor(int s) {
        if (s <= start) return 1;
        return Math.max(0, (double) (end - s + 1) / (end - start));
    }

    /** Whether this schedule and {@code other} give every step up to {@code step} the same rate. */
    public boolean agreesUpTo(LrDecay other, int step) {
        for (long s = (long) Math.min(start, other.start) + 1; s <= step; s++) { // before both starts the factors are 1
            if (factor((int) s) != other.factor((int) s)) return false;
        }
        return true;
    }

    /** "none" or "START-END", the form {@link #parse} reads (checkpoint and model metadata). */
    @Override
    public String toString() {
        return this.equals(NONE) ? "none" : start + "-" + end;
    }

    public static LrDecay parse(String s) {
        if (s == null || s.equals("none")) return NONE;
        int dash = s.indexOf('-');
        try {
            if (dash > 0) return new LrDecay(Integer.parseInt(s.substring(0, dash)), Integer.parseInt(s.substring(dash + 1)));
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new GroundiffException("unreadable learning-rate decay '" + s + "' (none, or START-END)");
    }
}
