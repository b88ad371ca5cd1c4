"""Pictures of the results: static plots (matplotlib, the ``plot`` extra), the interactive
viewer of the annotated structure (plotly, which pymatgen installs) and the chemiscope export
(the ``chemiscope`` extra).

* :mod:`.style`: what each ``sc_`` array means and how it is coloured; species radii and colours;
* :mod:`.plots`: profiles, transients, I–V;
* :mod:`.impedance`: Nyquist and Bode plots;
* :mod:`.cell`: the picture of the annotated cell;
* :mod:`.viewer`: the interactive HTML viewer (plotly), :mod:`.ase_viewer` ASE's plugin for it;
* :mod:`.chemiscope_export`: the chemiscope dataset.

Plotting libraries are imported where they are used.
"""

from .cell import boundary_frame, plot_structure
from .impedance import decade_points, nyquist_figure, plot_impedance
from .plots import boundary_positions, plot_iv, plot_profiles, plot_transient
from .chemiscope_export import chemiscope_properties, to_chemiscope
from .viewer import boundary_planes, view
from .style import ColourScale, colour_scale, describe_array, species_colours, species_radii

__all__ = ["plot_structure", "boundary_frame", "boundary_positions", "plot_impedance", "plot_iv", "plot_profiles",
           "plot_transient", "decade_points", "nyquist_figure", "view", "boundary_planes", "to_chemiscope", "chemiscope_properties", "ColourScale", "colour_scale", "describe_array", "species_colours", "species_radii"]
