package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Sigstruct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fault-injecting proxy on 127.0.0.1 in front of a real registry. */
class RegistryFaultTest {
    @TempDir
    Path dir;

    @Test
    void transientFaultsAreRetriedCorruptionIsRefusedAndAFailedPushLeavesNoTag() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        String middle = ResolvedImage.open(local, null).layers().get(1).digest();
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null);
             FaultProxy proxy = new FaultProxy(registry.host)) {
            registry.push(local, "team/app:1.0", null);
            ImageReference viaProxy = ImageReference.parse("docker://" + proxy.host() + "/team/app:1.0");

            // Two 503s on the manifest and a connection dropped half-way through the layout's layer.
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.STATUS, "GET", p -> p.contains("/manifests/"), 503));
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.STATUS, "GET", p -> p.contains("/manifests/"), 503));
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.DROP, "GET", p -> p.endsWith(middle), 0));
            ResolvedImage image = ResolvedImage.open(viaProxy, null);
            Map<MemoryModel, ImageMeasure.Result> r = ImageMeasure.measure(image, EnumSet.of(MemoryModel.SGX1), 1 << 20);
            assertEquals(f.sgx1Signature.mrenclave(), r.get(MemoryModel.SGX1).mrenclave());
            assertEquals(3, proxy.injected.get(), "every fault was met and survived");

            // A registry that returns other bytes for a digest is refused, not retried into acceptance.
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.CORRUPT, "GET", p -> p.endsWith(middle), 0));
            SignerException corrupt = assertThrows(SignerException.class, () -> ImageMeasure.measure(
                    ResolvedImage.open(viaProxy, null), EnumSet.of(MemoryModel.SGX1), 1 << 20));
            assertEquals(ErrorKind.INTEGRITY, corrupt.kind());
            assertTrue(corrupt.getMessage().contains("hashes to"), corrupt.getMessage());

            // A push whose manifest PUT keeps failing: the blobs may be there, the tag is not; a rerun succeeds.
            Sigstruct ours = f.sgx1Signature.unsigned().toBuilder().isvSvn(9).build();
            byte[] config = ImageRewrite.config(image.configBytes(), Map.of(MemoryModel.SGX1, Optional.of(ours)));
            for (int i = 0; i < RegistryClient.ATTEMPTS; i++) {
                proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.STATUS, "PUT", p -> p.contains("/manifests/"), 500));
            }
            ImageReference target = ImageReference.parse("docker://" + proxy.host() + "/team/app-signed:1.0");
            SignerException failed = assertThrows(SignerException.class,
                    () -> ImageWriter.write(image, config, target, RegistryClient.Options.defaults()));
            assertEquals(ErrorKind.REGISTRY, failed.kind());
            assertTrue(failed.getMessage().contains("HTTP 500 (after 4 attempts)"), failed.getMessage());
            ImageReference direct = ImageReference.parse("docker://" + registry.host + "/team/app-signed:1.0");
            SignerException noTag = assertThrows(SignerException.class, () -> ResolvedImage.open(direct, null));
            assertTrue(noTag.getMessage().contains("not found"), noTag.getMessage());

            ImageWriter.Written ok = ImageWriter.write(image, config, target, RegistryClient.Options.defaults());
            assertEquals(ok.manifestDigest(), ResolvedImage.open(direct, null).manifestDigest());
        }
    }
}
