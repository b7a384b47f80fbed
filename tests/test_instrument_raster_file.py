"""Raster files: HDF5 round trip and FITS export with a WCS that astropy (and, when
installed, ndcube/sunraster) read back to the right coordinates."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from instrument_synthetic import scene_text, write_flare, write_quiet

from postprocess.instrument import (
    RasterFileError,
    load_scene,
    observe,
    preset,
    read_raster,
    write_fits,
    write_raster,
)


@pytest.fixture(scope="module")
def raster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("raster")
    write_quiet(tmp / "quiet.h5", step=0.01)
    write_flare(tmp / "flare.h5")
    path = tmp / "s.toml"
    path.write_text(scene_text("quiet.h5", """
[[kernel]]
name = "k"
profiles = "flare.h5"
onset = 4.0
centre = [5.0, -3.0]
radius = 3.0
""", observation="[observation]\nstart = -2.0\nscans = 3\npointing = [2.5, -1.0]\n"))
    scene = load_scene(path)
    inst = preset("sacpeak1980", n_slit_positions=12, n_along_slit=9, n_spectral=40,
                  cadence=5.0)
    return observe(scene, inst, seed=7)


def test_hdf5_round_trip(raster, tmp_path):
    path = write_raster(tmp_path / "r.h5", raster)
    assert [p.name for p in tmp_path.iterdir()] == ["r.h5"]  # no temporary left
    back = read_raster(path)
    for name in ("data", "counts", "mask", "time", "wavelength", "hpln", "hplt"):
        np.testing.assert_array_equal(getattr(back, name), getattr(raster, name))
    assert back.instrument == raster.instrument
    assert back.attrs["kernels"][0]["name"] == "k"
    assert back.attrs["scene"] == raster.attrs["scene"]
    assert back.attrs["pointing"] == [2.5, -1.0]
    with pytest.raises(FileNotFoundError):
        read_raster(tmp_path / "none.h5")
    (tmp_path / "junk.h5").write_bytes(b"")
    import h5py

    with h5py.File(tmp_path / "junk.h5", "w") as fh:
        fh.attrs["format"] = "something-else"
    with pytest.raises(RasterFileError, match="not a loopsim raster"):
        read_raster(tmp_path / "junk.h5")


def _world(header):
    from astropy.wcs import WCS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return WCS(header)


@pytest.mark.parametrize("ctype", ["AWAV", "WAVE"])
def test_fits_wcs_gives_every_coordinate(raster, tmp_path, ctype):
    from astropy.io import fits

    path = write_fits(tmp_path / "r.fits", raster, wave_ctype=ctype)
    with fits.open(path) as hdul:
        assert [h.name for h in hdul] == ["PRIMARY", "MASK", "COUNTS", "TIMES"]
        data = hdul[0].data
        header = hdul[0].header
        np.testing.assert_array_equal(data, raster.data)
        np.testing.assert_array_equal(hdul["MASK"].data, raster.mask)
        np.testing.assert_array_equal(hdul["TIMES"].data, raster.time)
        assert header["CTYPE1"] == ctype and header["WAVEREF"] == "air"
    wcs = _world(header)
    n_scan, n_slit, n_along, n_lam = raster.shape
    j, k, p, q = np.meshgrid(np.arange(n_scan), np.arange(n_slit), np.arange(n_along),
                             np.arange(n_lam), indexing="ij")
    lam, lat, lon, t = wcs.pixel_to_world_values(q.ravel(), p.ravel(), k.ravel(), j.ravel())
    np.testing.assert_allclose(lam * 1e10, raster.wavelength[q.ravel()], rtol=0, atol=1e-9)
    lon = np.where(lon > 180, lon - 360, lon) * 3600.0
    # TAN projection about the pointing: < 1e-6 arcsec from the linear grid over 30"
    np.testing.assert_allclose(lon, raster.hpln[k.ravel()], atol=1e-4)
    np.testing.assert_allclose(lat * 3600.0, raster.hplt[p.ravel()], atol=1e-4)
    np.testing.assert_allclose(t, raster.time[j.ravel(), k.ravel()], rtol=0, atol=1e-9)
    assert wcs.world_axis_physical_types[3] == "time"
    import astropy.units as u
    from astropy.time import Time

    shift = (Time(header["DATE-OBS"]) - Time(header["DATEREF"])).to_value(u.s)
    assert shift == pytest.approx(raster.time[0, 0], abs=1e-3)


def test_ndcube_and_sunraster_load_the_fits(raster, tmp_path):
    ndcube = pytest.importorskip("ndcube")
    pytest.importorskip("sunpy")
    from astropy.io import fits

    path = write_fits(tmp_path / "r.fits", raster, wave_ctype="WAVE")
    with fits.open(path) as hdul:
        cube = ndcube.NDCube(hdul[0].data, wcs=_world(hdul[0].header))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coords = cube.axis_world_coords()
    kinds = {type(c).__name__ for c in coords}
    assert {"SkyCoord", "SpectralCoord", "Time"} <= kinds
    sunraster = pytest.importorskip("sunraster")
    sc = sunraster.SpectrogramCube(cube.data, wcs=cube.wcs)
    np.testing.assert_allclose(sc.spectral_axis.to_value("Angstrom"), raster.wavelength,
                               atol=1e-6)
