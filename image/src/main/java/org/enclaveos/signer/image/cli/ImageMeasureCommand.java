package org.enclaveos.signer.image.cli;

import java.io.PrintWriter;

import org.enclaveos.signer.cli.MeasureCommand;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The full jar's {@code measure}: the file command, and an image reference measured layout by layout. */
@Command(name = "measure")
public final class ImageMeasureCommand extends MeasureCommand {
    @Mixin
    RegistryOptions registry;

    @Option(names = "--max-layout-size", paramLabel = "BYTES", description = "For an image: the largest layout file read "
            + "(default 1 GiB).")
    long maxLayoutSize = org.enclaveos.signer.image.ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE;

    @Override
    protected Integer notAFile(String source, String memoryModel, boolean json, PrintWriter out, PrintWriter err) {
        if (!ImageCommands.accepts(source)) {
            return null;
        }
        return ImageCommands.measure(source, new ImageCommands.Options(memoryModel, registry.platform, maxLayoutSize, json,
                registry.client()), out, err);
    }
}
