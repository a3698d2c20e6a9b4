package org.enclaveos.signer.prepare;

import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.oe.OeConfig;
import org.enclaveos.signer.oe.OeEnclave;
import org.enclaveos.signer.oe.OeProperties;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructDate;

/**
 * An Open Enclave enclave as a source to sign: the properties (the file's, with the oesign
 * configuration over them), MRENCLAVE as OE's loader measures them, and the SIGSTRUCT oesign would
 * make for them (OE 0.17's host/sgx/sgxsign.c), which the recipe then completes like any base.
 */
record OeEnclaveSource(Path file, Path config, OeProperties properties, Hash256 mrenclave, Hash256 fileSha256,
                       Hash256 configSha256) {
    /** oesign's ATTRIBUTEMASK: every flag but MODE64BIT (0x4) and KSS (0x80); XFRM X87 and SSE, masked but AVX and AVX-512. */
    static final long ATTRIBUTE_MASK = 0xffffffffffffff7bL;
    static final long XFRM = 0x3;
    static final long XFRM_MASK = 0xffffffffffffff1bL;
    static final long KSS = 0x80;
    static final int MISC_MASK = 0xffffffff;

    static OeEnclaveSource read(Path file, Path config, long maxMeasuredBytes) {
        if (!Files.isRegularFile(file)) {
            throw new SignerException(ErrorKind.IO, file + ": no such file");
        }
        Hash256 fileSha = Hash256.ofFile(file);
        OeEnclave enclave = OeEnclave.read(file);
        OeProperties props = enclave.properties();
        Hash256 configSha = null;
        if (config != null) {
            configSha = Hash256.ofFile(config);
            props = OeConfig.read(config).applyTo(props);
        }
        return new OeEnclaveSource(file, config, props, enclave.measure(props, maxMeasuredBytes), fileSha, configSha);
    }

    /** The unsigned SIGSTRUCT oesign makes for these properties, dated {@code date}. */
    Sigstruct template(SigstructDate date) {
        long attributes = properties.attributes();
        long mask = ATTRIBUTE_MASK;
        if ((attributes & Attributes.DEBUG) != 0) {
            mask &= ~Attributes.DEBUG;
        }
        if ((attributes & KSS) != 0) {
            throw new SignerException(ErrorKind.UNSUPPORTED, file + ": the properties ask for KSS; its family and "
                    + "extended product ids are not applied by this tool yet");
        }
        return Sigstruct.builder().date(date).mrenclave(mrenclave).miscSelect(0).miscMask(MISC_MASK)
                .attributes(new Attributes(attributes, XFRM)).attributeMask(new Attributes(mask, XFRM_MASK))
                .isvProdId(properties.productId()).isvSvn(properties.securityVersion()).build();
    }

    /**
     * oesign signs what the properties say, and they are measured: a different ISVPRODID, ISVSVN or
     * debug setting on the command line is refused, pointing to the configuration instead.
     */
    void checkAgainst(SigstructRecipe recipe) {
        String where = config == null ? file + "'s .oeinfo" : config.toString();
        if (recipe.isvProdId() != null && recipe.isvProdId() != properties.productId()) {
            throw new SignerException(ErrorKind.USAGE, "--isvprodid " + recipe.isvProdId() + ": the enclave's properties "
                    + "say ProductID=" + properties.productId() + " (" + where + "), and they are measured; set ProductID "
                    + "in the oesign configuration (--config)");
        }
        if (recipe.isvSvn() != null && recipe.isvSvn() != properties.securityVersion()) {
            throw new SignerException(ErrorKind.USAGE, "--isvsvn " + recipe.isvSvn() + ": the enclave's properties say "
                    + "SecurityVersion=" + properties.securityVersion() + " (" + where + "), and they are measured; set "
                    + "SecurityVersion in the oesign configuration (--config)");
        }
        if (recipe.production() && properties.debug()) {
            throw new SignerException(ErrorKind.USAGE, "--production: the enclave's properties set Debug=1 (" + where
                    + "); give Debug=0 in the oesign configuration (--config)");
        }
    }

    /** "enclave" for enclave.signed, as oesign names its output. */
    String name() {
        String n = file.getFileName().toString();
        return n.endsWith(".signed") && n.length() > 7 ? n.substring(0, n.length() - 7) : n;
    }
}
