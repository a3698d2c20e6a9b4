package org.enclaveos.signer.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.CredentialRetriever;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * Registry credentials where docker, podman and skopeo look for them, read through jib-core (which
 * also runs credential helpers, {@code credsStore}/{@code credHelpers}): an explicit auth file, then
 * {@code REGISTRY_AUTH_FILE}, then {@code $DOCKER_CONFIG/config.json}, then {@code ~/.docker/config.json}.
 * Never logged.
 */
final class RegistryCredentials {
    private RegistryCredentials() {
    }

    /** {user, secret} for {@code registry}, if any configuration has them. */
    static Optional<String[]> find(String registry, Optional<Path> explicit) {
        List<Path> files = new ArrayList<>();
        explicit.ifPresent(files::add);
        Optional.ofNullable(System.getenv("REGISTRY_AUTH_FILE")).map(Path::of).ifPresent(files::add);
        Optional.ofNullable(System.getenv("DOCKER_CONFIG")).map(d -> Path.of(d, "config.json")).ifPresent(files::add);
        files.add(Path.of(System.getProperty("user.home"), ".docker", "config.json"));
        com.google.cloud.tools.jib.api.ImageReference jibRef;
        try {
            jibRef = com.google.cloud.tools.jib.api.ImageReference.of(registry, "x", null);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        CredentialRetrieverFactory factory = CredentialRetrieverFactory.forImage(jibRef, event -> { });
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                continue;
            }
            CredentialRetriever retriever = factory.dockerConfig(f);
            try {
                Optional<Credential> c = retriever.retrieve();
                if (c.isPresent()) {
                    return Optional.of(new String[] {c.get().getUsername(), c.get().getPassword()});
                }
            } catch (Exception e) {
                throw new SignerException(ErrorKind.REGISTRY, f + ": cannot get credentials for " + registry + ": "
                        + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }
}
