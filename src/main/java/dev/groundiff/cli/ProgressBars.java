package dev.groundiff.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.Duration;

/** The one progress-bar style of the command line: task, count, rate and ETA, on stderr. */
public final class ProgressBars {
    private ProgressBars() {}

    public static ProgressBar create(String task, long total, String unit) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" " + unit, 1)
                .showSpeed()
                .setUpdateIntervalMillis(250)
                .setMaxRenderedLength(100)
                .setEtaFunction(state -> state.getCurrent() <= 0 ? java.util.Optional.empty()
                        : java.util.Optional.of(Duration.ofMillis((long) (state.getElapsedAfterStart().toMillis()
                        * (double) (state.getMax() - state.getCurrent()) / state.getCurrent()))))
                .build();
    }
}
