package org.enclaveos.signer.image.cli;

import java.io.PrintWriter;

import org.enclaveos.signer.cli.CommandModel;
import org.enclaveos.signer.cli.MeasureCommand;

import picocli.CommandLine.Model.OptionSpec;

/** The full jar's {@code measure}: the file command, and an image reference measured layout by layout. */
public final class ImageMeasureCommand extends MeasureCommand {
    private final RegistryOptions registry = new RegistryOptions();

    private final OptionSpec maxLayoutSize = CommandModel.option(long.class, "BYTES", "For an image: the largest layout "
            + "file read (default 1 GiB).", "--max-layout-size")
            .initialValue(org.enclaveos.signer.image.ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE).build();

    public ImageMeasureCommand() {
        spec.addMixin("registry", registry.mixin()).addOption(maxLayoutSize);
    }

    @Override
    protected Integer notAFile(String source, String memoryModel, boolean json, PrintWriter out, PrintWriter err) {
        if (!ImageCommands.accepts(source)) {
            return null;
        }
        long maxLayout = maxLayoutSize.getValue();
        return ImageCommands.measure(source, new ImageCommands.Options(memoryModel, registry.platform(), maxLayout, json,
                registry.client()), out, err);
    }
}
