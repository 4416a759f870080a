//! Pictures: decoding an uploaded one within limits, and the smaller copies pages show.
//!
//! A picture is decoded before it is kept, so a file named `.jpg` that is not one is refused, and
//! a small file that claims an enormous picture is refused before anything is allocated for it.

use encore_core::ValidationError;
use image::{DynamicImage, ImageFormat, ImageReader, imageops::FilterType};

/// The widths pages ask for (a phone, a column, a wide screen); only those smaller than the
/// picture itself are made.
pub const VARIANT_WIDTHS: [u32; 3] = [480, 960, 1600];

/// The largest side a picture may have.
const MAX_SIDE: u32 = 12_000;

/// A smaller copy of a picture.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// `image/jpeg`, or `image/png` for pictures with transparency.
    pub content_type: &'static str,
    /// The encoded file.
    pub bytes: Vec<u8>,
}

/// Whether a file name names a picture the library makes copies of.
pub fn is_picture(file_name: &str) -> bool {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    matches!(ext.as_str(), "jpg" | "jpeg" | "png" | "webp")
}

/// Decodes a PNG, JPEG or WebP picture within limits; `field` names the form field a refusal is
/// shown next to.
pub fn decode(bytes: &[u8], field: &'static str) -> Result<DynamicImage, ValidationError> {
    let refuse = || ValidationError::new(field, "is not a PNG, JPEG or WebP picture");
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| refuse())?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)
    ) {
        return Err(refuse());
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|_| refuse())
}

/// The smaller copies of `picture` for [`VARIANT_WIDTHS`] narrower than it, keeping its shape.
pub fn variants(picture: &DynamicImage) -> Result<Vec<Variant>, ValidationError> {
    let refuse = |_| ValidationError::new("file", "could not be made smaller");
    let transparent = picture.color().has_alpha();
    let mut out = Vec::new();
    for width in VARIANT_WIDTHS {
        if width >= picture.width() {
            continue;
        }
        let height =
            (u64::from(picture.height()) * u64::from(width) / u64::from(picture.width())).max(1);
        let height = u32::try_from(height).unwrap_or(1);
        let small = picture.resize_exact(width, height, FilterType::Lanczos3);
        let mut bytes = Vec::new();
        let content_type = if transparent {
            small
                .to_rgba8()
                .write_to(&mut std::io::Cursor::new(&mut bytes), ImageFormat::Png)
                .map_err(refuse)?;
            "image/png"
        } else {
            let rgb = small.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 82)
                .encode_image(&rgb)
                .map_err(refuse)?;
            "image/jpeg"
        };
        out.push(Variant {
            width,
            height,
            content_type,
            bytes,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, alpha: bool) -> Vec<u8> {
        let picture = if alpha {
            DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
                width,
                height,
                image::Rgba([200, 30, 90, 128]),
            ))
        } else {
            DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
                width,
                height,
                image::Rgb([200, 30, 90]),
            ))
        };
        let mut bytes = Vec::new();
        picture
            .write_to(&mut std::io::Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn copies_are_made_only_narrower_than_the_picture_and_keep_its_shape() {
        let picture = decode(&png(1200, 600, false), "file").unwrap();
        let made = variants(&picture).unwrap();
        let sizes: Vec<_> = made.iter().map(|v| (v.width, v.height)).collect();
        assert_eq!(sizes, [(480, 240), (960, 480)]);
        assert!(made.iter().all(|v| v.content_type == "image/jpeg"));
        let back = decode(&made[0].bytes, "file").unwrap();
        assert_eq!((back.width(), back.height()), (480, 240));
        // Transparency survives, as PNG.
        let clear = decode(&png(600, 600, true), "file").unwrap();
        assert_eq!(variants(&clear).unwrap()[0].content_type, "image/png");
    }

    #[test]
    fn what_is_not_a_picture_is_refused() {
        assert!(decode(b"%PDF-1.4 not a picture", "file").is_err());
        assert!(decode(b"\x89PNG\r\n\x1a\n truncated", "file").is_err());
        assert!(is_picture("Cover.JPG") && !is_picture("notes.pdf"));
    }
}
