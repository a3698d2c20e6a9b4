package org.enclaveos.signer.image.cli;

import java.io.PrintWriter;

import org.enclaveos.signer.cli.InspectCommand;

/** The full jar's {@code inspect}: the file command, and an image's converter signatures and layout labels. */
public final class ImageInspectCommand extends InspectCommand {
    private final RegistryOptions registry = new RegistryOptions();

    public ImageInspectCommand() {
        spec.addMixin("registry", registry.mixin());
    }

    @Override
    protected Integer notAFile(String source, boolean json, PrintWriter out, PrintWriter err) {
        if (!ImageCommands.accepts(source)) {
            return null;
        }
        return ImageCommands.inspect(source, new ImageCommands.Options(null, registry.platform(), 0, json,
                registry.client()), out, err);
    }
}
