package app

import (
	"fyne.io/fyne/v2"

	"github.com/wgtray/wgtray/assets"
)

// AppIcon is the application icon as a Fyne resource.
var AppIcon = fyne.NewStaticResource("wgtray.png", assets.PNG(assets.AppIcon(256)))
